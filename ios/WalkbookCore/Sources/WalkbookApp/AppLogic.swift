// The app's screen logic, mirroring android/logic/src/main/kotlin/org/walkbook/app
// one to one (SyncBadge, JoinLink, TurfModel, CallModel; the door screen is
// the core's view model, `Walkbook.openDoor`, ADR 20). The
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
