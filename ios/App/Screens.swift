import SwiftUI
import WalkbookApp
import WalkbookCore

struct RootView: View {
    let core: Walkbook
    @State private var joined = false
    /// The practice shift while one is open: every screen shows the banner
    /// and nothing syncs (a trainee's app opens in it).
    @State private var practice: Walkbook?

    var body: some View {
        NavigationStack {
            VStack {
                if let practice {
                    PracticeBanner { self.practice = nil }
                    AssignmentsView(core: practice)
                } else {
                    SyncBar(core: core)
                    if joined || !((try? core.assignments()) ?? []).isEmpty || ((try? core.trainingOnly()) ?? false) {
                        Button("Practice shift (nothing counts)") { startPractice() }
                        AssignmentsView(core: core)
                    } else {
                        JoinView(core: core) { trainingOnly in
                            joined = true
                            if trainingOnly { startPractice() }
                        }
                    }
                }
            }
        }
        .onOpenURL { url in _ = parseJoinLink(url.absoluteString) }
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

struct SyncBar: View {
    let core: Walkbook
    @State private var state: SyncState?
    @State private var pending: UInt64 = 0

    var body: some View {
        let badge = syncBadge(pending: pending, state: state)
        HStack {
            Label(badge.text, systemImage: badge.tone == .good ? "checkmark.circle" : "arrow.triangle.2.circlepath")
            Button("Sync") {
                Task {
                    do { _ = try await core.syncNow() } catch {
                        state = SyncState(running: false, round: 0, documents: 0, bytesSent: 0, bytesReceived: 0,
                                          pendingUpload: pending, lastError: "\(error)")
                    }
                    pending = (try? core.pendingUploadCount()) ?? pending
                }
            }
        }
        .accessibilityElement(children: .combine)
        .accessibilityLabel(badge.accessibilityLabel)
        .onAppear { pending = (try? core.pendingUploadCount()) ?? 0 }
    }
}

struct JoinView: View {
    let core: Walkbook
    let joined: (_ trainingOnly: Bool) -> Void
    @State private var server = "https://"
    @State private var code = ""
    @State private var error: String?

    var body: some View {
        Form {
            TextField("Server", text: $server).textContentType(.URL)
            TextField("Invite code", text: $code)
            Button("Join") {
                Task {
                    do { let r = try await core.join(serverUrl: server, inviteCode: code); joined(r.trainingOnly) } catch { self.error = "\(error)" }
                }
            }
            if let error { Text(error).foregroundStyle(.red) }
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

    var body: some View {
        let state = try? TurfModel(core: core, turfId: assignment.unitId).load()
        List {
            if let state {
                Text(state.progressText)
                if let next = state.nextDoor {
                    NavigationLink("Next door") { DoorView(core: core, assignment: assignment, householdId: next) }
                }
                DoorMap(points: state.mapPoints).frame(height: 180).accessibilityLabel("Map of \(state.mapPoints.count) doors")
                ForEach(state.doors) { d in
                    NavigationLink("\(d.address) — \(d.statusLabel)") {
                        DoorView(core: core, assignment: assignment, householdId: d.householdId)
                    }
                }
            }
        }
    }
}

struct DoorMap: View {
    let points: [(Double, Double)]

    var body: some View {
        Canvas { ctx, size in
            guard let minLat = points.map(\.0).min(), let maxLat = points.map(\.0).max(),
                  let minLon = points.map(\.1).min(), let maxLon = points.map(\.1).max() else { return }
            for (lat, lon) in points {
                let x = (lon - minLon) / max(maxLon - minLon, 1e-9) * size.width
                let y = (1 - (lat - minLat) / max(maxLat - minLat, 1e-9)) * size.height
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
    @State private var picking = false
    @State private var comeBack = Date().addingTimeInterval(3600)

    private func send(_ input: DoorInput) {
        guard let screen else { return }
        do {
            view = try screen.send(input: input)
            if view?.done == true { dismiss() }
        } catch {
            view?.message = error.localizedDescription
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
                            Label("\(p.name) — \(p.status.replacingOccurrences(of: "_", with: " "))",
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
                            Button(r.label) { if r.needsTime { picking = true } else { send(.record(code: r.id, wholeDoor: false)) } }
                        }
                    }
                }
                Section("The whole door") {
                    ForEach(view.doorCodes, id: \.id) { r in
                        Button(r.label) { if r.needsTime { picking = true } else { send(.record(code: r.id, wholeDoor: true)) } }
                    }
                }
                if picking {
                    Section("Come back") {
                        DatePicker("When", selection: $comeBack, in: Date()...)
                        Button("Record come back") {
                            send(.comeBackAt(atMs: Int64(comeBack.timeIntervalSince1970 * 1000)))
                            send(.record(code: "come_back", wholeDoor: !view.personChosen))
                            picking = false
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
        }
    }
}

struct CallView: View {
    let core: Walkbook
    let assignment: AssignmentView
    @Environment(\.openURL) private var openURL
    @State private var state: CallScreenState = .done
    @State private var message: String?

    var body: some View {
        let model = CallModel(core: core, assignmentId: assignment.id, listId: assignment.unitId)
        VStack {
            switch state {
            case let .contact(personId, name, _, _):
                Text(name).font(.title)
                Button("Call") {
                    do { if let url = try model.dialURL(personId: personId) { openURL(url) } } catch { message = "\(error)" }
                }.accessibilityLabel("Call \(name) with your phone")
                ForEach((try? core.resultCodes(assignmentId: assignment.id)) ?? [], id: \.id) { r in
                    Button(r.label) {
                        _ = try? model.record(personId: personId, resultCode: r.id, durationS: 0,
                                              callBackAtMs: r.needsTime ? Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000 : nil)
                        state = (try? model.next()) ?? .done
                    }
                }
            case let .wait(untilMs): Text("Nobody can be called right now; next at \(Date(timeIntervalSince1970: Double(untilMs) / 1000))")
            case .done: Text("Everyone on your list is done. Thank you!")
            }
            if let message { Text(message).foregroundStyle(.red) }
        }
        .onAppear { state = (try? model.next()) ?? .done }
    }
}
