import SwiftUI
import WalkbookCore

/// The words of an error for the screen (never the enum case's debug text).
func describe(_ error: Error) -> String {
    if let e = error as? WalkbookError { return errorText(error: e) }
    return error.localizedDescription
}

struct RootView: View {
    let core: Walkbook
    /// Set when a lost key made a fresh start: the volunteer is told once.
    let recoveryMessage: String?
    @State private var joined = false
    /// A walkbook://join deep link the app was opened with.
    @State private var link = ""
    /// The practice shift while one is open: every screen shows the banner
    /// and nothing syncs (a trainee's app opens in it).
    @State private var practice: Walkbook?

    var body: some View {
        NavigationStack {
            VStack {
                if let recoveryMessage { Text(recoveryMessage).foregroundStyle(.orange) }
                if let practice {
                    PracticeBanner { self.practice = nil }
                    AssignmentsView(core: practice)
                } else {
                    SyncBar(core: core)
                    if joined || !((try? core.assignments()) ?? []).isEmpty || ((try? core.trainingOnly()) ?? false) {
                        Button("Practice shift (nothing counts)") { startPractice() }
                        AssignmentsView(core: core)
                    } else {
                        JoinView(core: core, text: $link) { trainingOnly in
                            joined = true
                            if trainingOnly { startPractice() }
                        }
                    }
                }
            }
        }
        // A deep link fills the join screen; the core reads it.
        .onOpenURL { url in link = url.absoluteString }
        .onAppear { practice = try? core.practice() }
    }

    private func startPractice() {
        let source: PracticeSource = ((try? core.trainingOnly()) ?? false) ? .trainingPacket : .thisPhone
        Task { practice = try? await core.startPractice(source: source) }
    }
}

/// On every practice screen: what this is, and the way out.
struct PracticeBanner: View {
    let leave: () -> Void

    var body: some View {
        HStack {
            Label("PRACTICE · results stay on this phone and never count", systemImage: "graduationcap")
                .foregroundStyle(.orange)
            Button("Leave practice", action: leave)
        }
        .accessibilityElement(children: .combine)
        .accessibilityLabel("Practice mode: these results stay on this phone and never count")
    }
}

/// The live badge: the listener refreshes it after every save and every
/// sync round; the words come from the core (`badgeFor`).
final class BadgeModel: ObservableObject, WalkbookListener {
    @Published var state: SyncState?
    @Published var pending: UInt64 = 0
    let core: Walkbook

    init(core: Walkbook) {
        self.core = core
        pending = (try? core.pendingUploadCount()) ?? 0
        core.setListener(listener: self)
    }

    func onResultsChanged(unitId: String) {
        let count = (try? core.pendingUploadCount()) ?? pending
        DispatchQueue.main.async { self.pending = count }
    }

    func onSyncState(state: SyncState) {
        DispatchQueue.main.async { self.state = state; self.pending = state.pendingUpload }
    }
}

struct SyncBar: View {
    @StateObject private var model: BadgeModel

    init(core: Walkbook) { _model = StateObject(wrappedValue: BadgeModel(core: core)) }

    var body: some View {
        let badge = badgeFor(pending: model.pending, state: model.state, language: Locale.preferredLanguages.first ?? "en")
        HStack {
            Label(badge.text, systemImage: badge.tone == .good ? "checkmark.circle" : "arrow.triangle.2.circlepath")
                .foregroundStyle(badge.tone == .problem ? .red : .primary)
            Button("Sync") {
                Task {
                    do { _ = try await model.core.syncNow() } catch {
                        model.state = SyncState(running: false, round: 0, documents: 0, bytesSent: 0, bytesReceived: 0,
                                                pendingUpload: model.pending, lastError: describe(error))
                    }
                }
            }
            .frame(minHeight: 48)
        }
        .accessibilityElement(children: .combine)
        .accessibilityLabel(badge.description)
    }
}

struct JoinView: View {
    let core: Walkbook
    @Binding var text: String
    let joined: (_ trainingOnly: Bool) -> Void
    @State private var error: String?
    @State private var scanning = false

    var body: some View {
        let view = joinScreen(text: text, language: Locale.preferredLanguages.first ?? "en")
        Form {
            TextField("Join link from your organizer", text: $text).textContentType(.URL)
            Button("Scan the QR code") { scanning = true }.frame(minHeight: 48)
            if let host = view.serverHost { Text("Joins the campaign on \(host)") }
            if let problem = view.problem { Text(problem).foregroundStyle(.red) }
            Button("Join") {
                guard let server = view.serverUrl, let code = view.inviteCode else { return }
                Task {
                    do { let r = try await core.join(serverUrl: server, inviteCode: code); joined(r.trainingOnly) } catch { self.error = describe(error) }
                }
            }
            .disabled(!view.canJoin)
            .frame(minHeight: 48)
            if let error { Text(error).foregroundStyle(.red) }
        }
        .sheet(isPresented: $scanning) {
            QRScanner { scanned in text = scanned; scanning = false }
        }
    }
}

struct AssignmentsView: View {
    let core: Walkbook

    var body: some View {
        List((try? core.assignments()) ?? [], id: \.id) { a in
            NavigationLink(a.unitId) {
                if a.kind == .turf { TurfView(core: core, assignment: a) } else { CallView(core: core, assignment: a) }
            }
        }
    }
}

struct TurfView: View {
    let core: Walkbook
    let assignment: AssignmentView
    @State private var view: TurfScreenView?

    var body: some View {
        List {
            if let view {
                Text(view.progress)
                if let next = view.nextDoor {
                    NavigationLink("Next door") { DoorView(core: core, assignment: assignment, householdId: next) }
                }
                DoorMap(points: view.mapPoints).frame(height: 180).accessibilityLabel("Map of \(view.mapPoints.count) doors")
                ForEach(view.doors, id: \.householdId) { d in
                    NavigationLink {
                        DoorView(core: core, assignment: assignment, householdId: d.householdId)
                    } label: {
                        Label("\(d.address) — \(d.status)", systemImage: symbol(d.icon))
                    }
                    .frame(minHeight: 48)
                    .accessibilityLabel(d.description)
                }
            }
        }
        .onAppear { view = try? core.turfScreen(turfId: assignment.unitId, nowMs: nil) }
    }

    private func symbol(_ icon: String) -> String {
        switch icon {
        case "door": return "door.left.hand.closed"
        case "clock": return "clock"
        case "check": return "checkmark.circle"
        case "cross": return "xmark.circle"
        case "block": return "nosign"
        case "warning": return "exclamationmark.triangle"
        default: return "circle"
        }
    }
}

struct DoorMap: View {
    let points: [MapPointView]

    var body: some View {
        Canvas { ctx, size in
            guard let minLat = points.map(\.lat).min(), let maxLat = points.map(\.lat).max(),
                  let minLon = points.map(\.lon).min(), let maxLon = points.map(\.lon).max() else { return }
            for p in points {
                let x = (p.lon - minLon) / max(maxLon - minLon, 1e-9) * size.width
                let y = (1 - (p.lat - minLat) / max(maxLat - minLat, 1e-9)) * size.height
                ctx.fill(Path(ellipseIn: CGRect(x: x - 3, y: y - 3, width: 6, height: 6)), with: .color(.primary))
            }
        }
    }
}

/// Renders the core's door view model (ADR 20) and forwards taps; a refused
/// tap comes back as `message`, so nothing is swallowed and nothing repeats.
struct DoorView: View {
    let core: Walkbook
    let assignment: AssignmentView
    let householdId: String
    @Environment(\.dismiss) private var dismiss
    @State private var screen: DoorScreen?
    @State private var view: DoorScreenView?
    @State private var notes = ""
    /// The result waiting for its come-back time: (code, whole door).
    @State private var picking: (code: String, wholeDoor: Bool)?
    @State private var comeBack = Date().addingTimeInterval(3600)
    @State private var location: DoorLocation?

    private func send(_ input: DoorInput) {
        guard let screen else { return }
        do {
            view = try screen.send(input: input)
            if view?.done == true { dismiss() }
        } catch {
            view?.message = describe(error)
        }
    }

    var body: some View {
        Form {
            if let view {
                Section(view.address) {
                    ForEach(view.people, id: \.id) { p in
                        Button {
                            send(.choosePerson(personId: p.id))
                        } label: {
                            Label("\(p.name) — \(p.statusLabel)",
                                  systemImage: p.chosen ? "person.fill.checkmark" : "person")
                        }
                        .frame(minHeight: 44)
                    }
                }
                if let q = view.question {
                    Section(q.text) {
                        if q.freeText {
                            TextField(q.text, text: Binding(get: { q.typed }, set: { send(.text(questionId: q.id, text: $0)) }))
                        } else {
                            ForEach(q.options, id: \.id) { o in
                                Button((o.chosen ? "✓ " : "") + o.label) { send(.answer(questionId: q.id, optionId: o.id)) }
                            }
                        }
                    }
                }
                Section("Notes") {
                    TextField("Notes", text: $notes).onChange(of: notes) { _, text in send(.notes(text: text)) }
                }
                if view.personChosen {
                    Section("This person") {
                        Button("Save answers") { send(.saveConversation) }.disabled(!view.canSaveConversation)
                        ForEach(view.personCodes, id: \.id) { r in
                            Button(r.label) { if r.needsTime { picking = (r.id, false) } else { send(.record(code: r.id, wholeDoor: false)) } }
                        }
                    }
                }
                Section("The whole door") {
                    ForEach(view.doorCodes, id: \.id) { r in
                        Button(r.label) { if r.needsTime { picking = (r.id, true) } else { send(.record(code: r.id, wholeDoor: true)) } }
                    }
                }
                if let pending = picking {
                    Section("Come back") {
                        // The times the core offers, or any other from the picker.
                        ForEach(view.comeBackChoices, id: \.atMs) { t in
                            Button(t.label) {
                                send(.comeBackAt(atMs: t.atMs))
                                send(.record(code: pending.code, wholeDoor: pending.wholeDoor))
                                picking = nil
                            }
                        }
                        DatePicker("When", selection: $comeBack, in: Date()...)
                        Button("Record come back") {
                            send(.comeBackAt(atMs: Int64(comeBack.timeIntervalSince1970 * 1000)))
                            send(.record(code: pending.code, wholeDoor: pending.wholeDoor))
                            picking = nil
                        }
                    }
                }
                if let saved = view.saved {
                    HStack {
                        Text(saved)
                        if view.canUndo { Button("Undo") { send(.undo) } }
                    }
                }
                if let message = view.message { Text(message).foregroundStyle(.red) }
                Button("Next door") { send(.skip) }
            }
        }
        .onAppear {
            screen = try? core.openDoor(assignmentId: assignment.id, householdId: householdId)
            view = try? screen?.view()
            location = DoorLocation { lat, lon, accuracy in
                DispatchQueue.main.async { send(.location(lat: lat, lon: lon, accuracyM: accuracy)) }
            }
            location?.start()
        }
        .onDisappear { location?.stop() }
    }
}

/// Renders the core's call view model and forwards taps: the caller-ID
/// notice, Call (the dialler opens with the number the core hands out), the
/// timer, the script, call-back choices, undo, skip.
struct CallView: View {
    let core: Walkbook
    let assignment: AssignmentView
    @Environment(\.openURL) private var openURL
    @State private var screen: CallScreen?
    @State private var view: CallScreenView?
    private let tick = Timer.publish(every: 1, on: .main, in: .common).autoconnect()

    private func send(_ input: CallInput) {
        guard let screen else { return }
        do {
            view = try screen.send(input: input)
            if let uri = view?.openDialler, let url = URL(string: uri) { openURL(url) }
        } catch {
            view?.message = describe(error)
        }
    }

    var body: some View {
        Form {
            if let view {
                if let notice = view.callerIdNotice {
                    Section("Before your first call") {
                        Text(notice)
                        Button("I understand") { send(.readCallerIdNotice) }
                    }
                }
                if let wait = view.waitText { Text(wait) }
                if view.finished { Text("Everyone on your list is done. Thank you!") }
                if let c = view.contact {
                    Section(c.name) {
                        Text("Their time: \(c.localTime)")
                        Text(c.statusLabel)
                        HStack {
                            Button("Call") { send(.dial(nowMs: nil)) }
                                .disabled(!view.canDial)
                                .accessibilityLabel("Call \(c.name) with your phone")
                            if view.inCall { Button("Call ended") { send(.hangUp(nowMs: nil)) } }
                            if let timer = view.timer { Text(timer).accessibilityLabel("Call length \(timer)") }
                        }
                    }
                    Section(view.scriptTitle) {
                        Text(view.intro)
                        if let q = view.question {
                            Text(q.text)
                            if q.freeText {
                                TextField(q.text, text: Binding(get: { q.typed }, set: { send(.text(questionId: q.id, text: $0)) }))
                            } else {
                                ForEach(q.options, id: \.id) { o in
                                    Button((o.chosen ? "✓ " : "") + o.label) { send(.answer(questionId: q.id, optionId: o.id)) }
                                }
                            }
                        }
                        TextField("Notes", text: Binding(get: { view.notes }, set: { send(.notes(text: $0)) }))
                        Button("Save answers") { send(.saveConversation(nowMs: nil)) }.disabled(!view.canSaveConversation)
                    }
                    Section("How did it go?") {
                        ForEach(view.codes, id: \.id) { r in Button(r.label) { send(.record(code: r.id, nowMs: nil)) } }
                    }
                    Section("Call back") {
                        ForEach(view.callBackChoices, id: \.atMs) { t in
                            Button((view.callBackAtMs == t.atMs ? "✓ " : "") + t.label) { send(.callBackAt(atMs: t.atMs)) }
                        }
                    }
                    if let saved = view.saved {
                        HStack {
                            Text(saved)
                            if view.canUndo { Button("Undo") { send(.undo) } }
                        }
                    }
                    HStack {
                        Button("Next call") { send(.next(nowMs: nil)) }
                        Button("Skip") { send(.skip(nowMs: nil)) }
                    }
                }
                if let message = view.message { Text(message).foregroundStyle(.red) }
            }
        }
        .onAppear {
            screen = try? core.openCall(assignmentId: assignment.id, nowMs: nil)
            view = try? screen?.view(nowMs: nil)
        }
        .onReceive(tick) { _ in
            if view?.inCall == true { view = try? screen?.view(nowMs: nil) }
        }
    }
}
