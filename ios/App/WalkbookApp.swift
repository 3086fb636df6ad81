// The SwiftUI app: renders WalkbookApp logic state and forwards taps. Keychain
// holds the database key, BGTaskScheduler runs background sync, calls go out
// through the `tel:` URL (the volunteer's own number is never read).
import BackgroundTasks
import Security
import SwiftUI
import WalkbookApp
import WalkbookCore

enum DatabaseKey {
    static let account = "walkbook-db-key"

    /// The 32-byte SQLCipher key, created once and kept in the Keychain,
    /// available after first unlock and never synced or backed up.
    static func get() throws -> Data {
        var query: [String: Any] = [kSecClass as String: kSecClassGenericPassword, kSecAttrAccount as String: account,
                                    kSecReturnData as String: true]
        var item: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let data = item as? Data { return data }
        var key = Data(count: 32)
        _ = key.withUnsafeMutableBytes { SecRandomCopyBytes(kSecRandomDefault, 32, $0.baseAddress!) }
        query.removeValue(forKey: kSecReturnData as String)
        query[kSecValueData as String] = key
        query[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        SecItemAdd(query as CFDictionary, nil)
        return key
    }
}

@main
struct WalkbookMain: App {
    static let syncTask = "org.walkbook.app.sync"
    let core: Walkbook

    init() {
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0].appendingPathComponent("campaign")
        core = try! Walkbook.open(dataDir: dir.path, key: try? DatabaseKey.get())
        let core = self.core
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Self.syncTask, using: nil) { task in
            let work = Task { _ = try? await core.syncNow(); task.setTaskCompleted(success: true); Self.scheduleSync() }
            task.expirationHandler = { work.cancel() } // cancelling a sync is safe: results are on disk
        }
        Self.scheduleSync()
    }

    static func scheduleSync() {
        let request = BGProcessingTaskRequest(identifier: syncTask)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        try? BGTaskScheduler.shared.submit(request)
    }

    var body: some Scene {
        WindowGroup { RootView(core: core) }
    }
}
