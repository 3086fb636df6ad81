package org.walkbook.app

import org.walkbook.core.DoorStateKind
import org.walkbook.core.DoorView
import org.walkbook.core.StatusKind
import org.walkbook.core.Walkbook

/** Colour token plus text and icon name for a status: never colour alone. */
data class StatusStyle(val label: String, val icon: String, val tone: String)

fun styleFor(kind: StatusKind, label: String): StatusStyle = when (kind) {
    StatusKind.NOT_ATTEMPTED -> StatusStyle(label, "circle", "neutral")
    StatusKind.NOT_HOME, StatusKind.WRONG_NUMBER -> StatusStyle(label, "door", "retry")
    StatusKind.COME_BACK -> StatusStyle(label, "clock", "retry")
    StatusKind.CONTACTED -> StatusStyle(label, "check", "done")
    StatusKind.REFUSED, StatusKind.MOVED, StatusKind.DECEASED -> StatusStyle(label, "cross", "done")
    StatusKind.DO_NOT_CONTACT -> StatusStyle(label, "block", "stop")
    StatusKind.CONFLICT -> StatusStyle(label, "warning", "problem")
}

data class DoorRow(val householdId: String, val address: String, val style: StatusStyle, val peopleCount: Int, val finished: Boolean)

data class TurfScreenState(
    val doors: List<DoorRow>,
    val progressText: String,
    /** Household id of the door the "Next door" button opens, if any. */
    val nextDoor: String?,
    /** Door coordinates for the map; doors without coordinates are counted. */
    val mapPoints: List<Pair<Double, Double>>,
    val doorsWithoutCoordinates: Int,
)

/** The turf screen: doors in walk order with status, progress, next door. */
class TurfModel(private val core: Walkbook, private val turfId: String) {
    fun load(nowMs: Long? = null): TurfScreenState {
        val doors = core.walkList(turfId, nowMs)
        val next = core.nextDoor(turfId, nowMs)
        val progress = core.turfProgress(turfId)
        return TurfScreenState(
            doors = doors.map(::row),
            progressText = "${progress.doorsKnocked} of ${progress.doorsTotal} doors knocked · ${progress.contacts} conversations",
            nextDoor = next?.householdId,
            mapPoints = doors.mapNotNull { d -> d.lat?.let { lat -> d.lon?.let { lat to it } } },
            doorsWithoutCoordinates = doors.count { it.lat == null || it.lon == null },
        )
    }

    private fun row(d: DoorView): DoorRow {
        // The door shows its least-finished person: that is what is left to do.
        val person = d.people.firstOrNull { !it.status.isFinal } ?: d.people.firstOrNull()
        val style = person?.let { styleFor(it.status.kind, it.status.label) } ?: StatusStyle("No one listed", "circle", "neutral")
        return DoorRow(d.householdId, d.address, style, d.people.size, d.state == DoorStateKind.FINISHED)
    }
}
