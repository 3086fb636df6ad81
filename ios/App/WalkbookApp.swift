// The SwiftUI app: renders the core's view models and forwards taps (ADR 20).
// The Keychain holds the database key, BGTaskScheduler runs background sync,
// calls go out through the `tel:` URL (the volunteer's own number is never
// read).
import BackgroundTasks
import Security
import SwiftUI
import WalkbookCore

enum DatabaseKeyError: Error {
    /// The Keychain answered with an error other than "no such item" (for
    /// example locked before first unlock): never make a new key then, or
    /// the campaign database would become unreadable.
    case keychain(OSStatus)
    case random(OSStatus)
}

enum DatabaseKey {
    static let account = "walkbook-db-key"

    /// The 32-byte SQLCipher key, created once and kept in the Keychain,
    /// available after first unlock and never synced or backed up. Only a
    /// missing item makes a new key; any other Keychain error is thrown.
    static func get() throws -> Data {
        let query: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                    kSecAttrAccount as String: account,
                                    kSecReturnData as String: true]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecSuccess, let data = item as? Data, data.count == 32 { return data }
        guard status == errSecItemNotFound else { throw DatabaseKeyError.keychain(status) }
        var key = Data(count: 32)
        let made = key.withUnsafeMutableBytes { SecRandomCopyBytes(kSecRandomDefault, 32, $0.baseAddress!) }
        guard made == errSecSuccess else { throw DatabaseKeyError.random(made) }
        let add: [String: Any] = [kSecClass as String: kSecClassGenericPassword,
                                  kSecAttrAccount as String: account,
                                  kSecValueData as String: key,
                                  kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly]
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else { throw DatabaseKeyError.keychain(added) }
        return key
    }
}

/// What the app could open at launch.
enum Launch {
    case ready(Walkbook, recoveryMessage: String?)
    /// No key (the Keychain refused): nothing is opened, never unencrypted.
    case failed(String)
}

@main
struct WalkbookMain: App {
    static let syncTask = "org.walkbook.app.sync"
    let launch: Launch
    @Environment(\.scenePhase) private var phase

    init() {
        launch = Self.open()
        // Registered during launch, as BGTaskScheduler requires; the handler
        // runs on a background queue and only calls the thread-safe core.
        if case let .ready(core, _) = launch {
            BGTaskScheduler.shared.register(forTaskWithIdentifier: Self.syncTask, using: nil) { task in
                let work = Task.detached { _ = try? await core.syncNow(); task.setTaskCompleted(success: true); Self.scheduleSync() }
                task.expirationHandler = { work.cancel() } // cancelling a sync is safe: results are on disk
            }
            Self.scheduleSync()
        }
    }

    /// Opens the campaign with the Keychain key. A lost key or an unreadable
    /// database is the core's decision (`KeyLost`, then
    /// `recoverUnreadableCampaign`): the file is set aside, a fresh one
    /// starts, and the volunteer is told. A Keychain error opens nothing.
    static func open() -> Launch {
        let support = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        var dir = support.appendingPathComponent("campaign")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            // Voter data never goes to iCloud or iTunes backups (and a
            // restored phone would have the files without the key).
            var values = URLResourceValues()
            values.isExcludedFromBackup = true
            try dir.setResourceValues(values)
        } catch {
            return .failed("walkbook cannot prepare its storage: \(error.localizedDescription)")
        }
        let key: Data
        do { key = try DatabaseKey.get() } catch {
            return .failed("walkbook cannot read its key from the Keychain. Unlock the phone and open walkbook again.")
        }
        // The screens' own words in the phone's language (English or Spanish).
        let language = Locale.preferredLanguages.first ?? "en"
        do {
            let core = try Walkbook.open(dataDir: dir.path, key: key)
            core.setUiLanguage(tag: language)
            return .ready(core, recoveryMessage: nil)
        } catch WalkbookError.KeyLost {
            do {
                let lost = try recoverUnreadableCampaign(dataDir: dir.path, key: key)
                let core = try Walkbook.open(dataDir: dir.path, key: key)
                core.setUiLanguage(tag: language)
                return .ready(core, recoveryMessage: lost.message)
            } catch let e as WalkbookError {
                return .failed(errorText(error: e))
            } catch {
                return .failed(error.localizedDescription)
            }
        } catch let e as WalkbookError {
            return .failed(errorText(error: e))
        } catch {
            return .failed(error.localizedDescription)
        }
    }

    static func scheduleSync() {
        let request = BGProcessingTaskRequest(identifier: syncTask)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    var body: some Scene {
        WindowGroup {
            ZStack {
                switch launch {
                case let .ready(core, message): RootView(core: core, recoveryMessage: message)
                case let .failed(message): Text(message).padding()
                }
                // The app switcher shows a blank card, never voter names.
                if phase != .active { Color(.systemBackground).ignoresSafeArea() }
            }
        }
    }
}
