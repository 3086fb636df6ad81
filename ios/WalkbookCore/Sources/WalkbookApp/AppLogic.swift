// The app's screen logic, mirroring android/logic/src/main/kotlin/org/walkbook/app
// one to one (SyncBadge, JoinLink, TurfModel, DoorModel, CallModel). The
// Kotlin versions are compiled and tested on the JVM against the real core;
// keep the two in step. Not compiled here (no Swift toolchain on Linux CI).
import Foundation
import WalkbookCore

public enum BadgeTone { case good, waiting, working, problem }

public struct SyncBadge: Equatable {
    public let text: String
    public let tone: BadgeTone
    public let accessibilityLabel: String
}

/// The decision is the core's (`badgeFor`); this maps it to SwiftUI types.
public func syncBadge(pending: UInt64, state: SyncState?) -> SyncBadge {
    let b = badgeFor(pending: pending, state: state)
    let tone: BadgeTone
    switch b.tone {
    case .good: tone = .good
    case .waiting: tone = .waiting
    case .working: tone = .working
    case .problem: tone = .problem
    }
    return SyncBadge(text: b.text, tone: tone, accessibilityLabel: b.description)
}

public struct JoinLink: Equatable {
    public let serverUrl: String
    public let inviteCode: String
}

/// Reads a join link with the core's one parser (a repeated key, which
/// crashed the old Swift parser, is refused there with a reason).
public func parseJoinLink(_ text: String) -> JoinLink? {
    guard let link = try? readJoinLink(link: text) else { return nil }
    return JoinLink(serverUrl: link.serverUrl, inviteCode: link.inviteCode)
}

public struct DoorRow: Identifiable {
    public var id: String { householdId }
    public let householdId: String
    public let address: String
    public let statusLabel: String
    public let finished: Bool
}

public struct TurfScreenState {
    public let doors: [DoorRow]
    public let progressText: String
    public let nextDoor: String?
    public let mapPoints: [(Double, Double)]
    public let doorsWithoutCoordinates: Int
}

public final class TurfModel {
    private let core: Walkbook
    private let turfId: String
    public init(core: Walkbook, turfId: String) { self.core = core; self.turfId = turfId }

    public func load(nowMs: Int64? = nil) throws -> TurfScreenState {
        let doors = try core.walkList(turfId: turfId, nowMs: nowMs)
        let next = try core.nextDoor(turfId: turfId, nowMs: nowMs)
        let p = try core.turfProgress(turfId: turfId)
        return TurfScreenState(
            doors: doors.map { d in
                let person = d.people.first { !$0.status.isFinal } ?? d.people.first
                return DoorRow(householdId: d.householdId, address: d.address,
                               statusLabel: person?.status.label ?? "No one listed", finished: d.state == .finished)
            },
            progressText: "\(p.doorsKnocked) of \(p.doorsTotal) doors knocked · \(p.contacts) conversations",
            nextDoor: next?.householdId,
            mapPoints: doors.compactMap { d in d.lat.flatMap { lat in d.lon.map { (lat, $0) } } },
            doorsWithoutCoordinates: doors.filter { $0.lat == nil || $0.lon == nil }.count
        )
    }
}

public final class DoorModel {
    private let core: Walkbook
    private let assignmentId: String
    public let household: HouseholdView
    public let resultCodes: [ResultCodeView]
    public private(set) var script: ScriptView
    public private(set) var current: QuestionView?
    public private(set) var answered: [String: String] = [:]

    public init(core: Walkbook, assignmentId: String, householdId: String) throws {
        self.core = core
        self.assignmentId = assignmentId
        household = try core.household(householdId: householdId)
        resultCodes = try core.resultCodes(assignmentId: assignmentId)
        script = try core.scriptFor(assignmentId: assignmentId, language: "en")
        current = script.questions.first
    }

    public func useLanguage(_ language: String) throws {
        script = try core.scriptFor(assignmentId: assignmentId, language: language)
        current = current.flatMap { q in script.questions.first { $0.id == q.id } } ?? script.questions.first
    }

    public func startFor(personId: String) throws {
        guard let person = household.people.first(where: { $0.id == personId }) else { return }
        answered = [:]
        try useLanguage(person.language)
        current = script.questions.first
    }

    public func answer(_ answer: String) throws {
        guard let q = current else { return }
        answered[q.id] = answer
        let next = try core.nextQuestion(assignmentId: assignmentId, questionId: q.id, answer: answer)
        current = next.flatMap { id in script.questions.first { $0.id == id } }
    }

    @discardableResult
    public func saveConversation(personId: String, notes: String = "") throws -> SavedAttempt {
        defer { answered = [:] }
        return try core.recordAttempt(assignmentId: assignmentId, attempt: AttemptInput(
            personId: personId, householdId: nil, result: nil, answers: answered, notes: notes,
            callbackAtMs: nil, durationS: nil, lat: nil, lon: nil, accuracyM: nil))
    }

    @discardableResult
    public func saveResult(personId: String?, resultCode: String, comeBackAtMs: Int64? = nil) throws -> SavedAttempt {
        try core.recordAttempt(assignmentId: assignmentId, attempt: AttemptInput(
            personId: personId, householdId: personId == nil ? household.id : nil, result: resultCode, answers: [:],
            notes: "", callbackAtMs: comeBackAtMs, durationS: nil, lat: nil, lon: nil, accuracyM: nil))
    }
}

public enum CallScreenState {
    case contact(personId: String, name: String, language: String, closesAtMs: Int64)
    case wait(untilMs: Int64)
    case done
}

public final class CallModel {
    private let core: Walkbook
    private let assignmentId: String
    private let listId: String
    public init(core: Walkbook, assignmentId: String, listId: String) {
        self.core = core; self.assignmentId = assignmentId; self.listId = listId
    }

    public func next(nowMs: Int64? = nil) throws -> CallScreenState {
        switch try core.nextCall(listId: listId, nowMs: nowMs) {
        case let .dial(personId, closesAtMs):
            let row = try core.callQueue(listId: listId).first { $0.person.id == personId }!
            return .contact(personId: personId, name: row.person.name, language: row.person.language, closesAtMs: closesAtMs)
        case let .waitUntil(atMs): return .wait(untilMs: atMs)
        case .done: return .done
        }
    }

    /// `tel:` URL for the contact on screen; the volunteer's own number is never read.
    public func dialURL(personId: String, nowMs: Int64? = nil) throws -> URL? {
        URL(string: "tel:" + (try core.numberToDial(listId: listId, personId: personId, nowMs: nowMs)))
    }

    @discardableResult
    public func record(personId: String, resultCode: String, durationS: UInt32, callBackAtMs: Int64? = nil) throws -> SavedAttempt {
        try core.recordAttempt(assignmentId: assignmentId, attempt: AttemptInput(
            personId: personId, householdId: nil, result: resultCode, answers: [:], notes: "",
            callbackAtMs: callBackAtMs, durationS: durationS, lat: nil, lon: nil, accuracyM: nil))
    }
}
