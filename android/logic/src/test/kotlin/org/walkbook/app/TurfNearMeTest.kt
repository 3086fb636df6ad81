package org.walkbook.app

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.walkbook.core.AttemptInput
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException

/** Turf near me through the generated Kotlin, the real library and server. */
class TurfNearMeTest {
    @Test fun a_volunteer_checks_out_doors_near_them_knocks_one_and_releases_the_rest() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        wb.join(TestServer.url, TestServer.invite("vol-02"))
        // Standing at one of their own doors.
        val home = wb.assignments().first { it.kind == UnitKind.TURF && !it.practice }
        val here = wb.walkList(home.unitId, null).first { it.lat != null }
        val near = wb.turfNearMe(here.lat!!, here.lon!!, 5u, null, null)
        assertEquals(5u, near.doors)
        assertEquals(UnitKind.TURF, near.assignment.kind)
        assertTrue(near.assignment.unitId.startsWith("near-"))
        assertTrue(near.farthestM >= 0.0)
        val doors = wb.walkList(near.assignment.unitId, null)
        assertEquals(5, doors.size, "installed, in walk order")
        val door = assertNotNull(wb.nextDoor(near.assignment.unitId, null))
        wb.recordAttempt(near.assignment.id, AttemptInput(null, door.householdId, "not_home", emptyMap(), "", null, null, null, null, null))

        // A second phone asking at the same spot never gets those doors.
        val other = Walkbook.open(TestServer.dataDir(), null)
        other.join(TestServer.url, TestServer.invite("vol-01"))
        val theirs = other.turfNearMe(here.lat!!, here.lon!!, 5u, 1u, null)
        val mine = doors.map { it.householdId }.toSet()
        assertTrue(other.walkList(theirs.assignment.unitId, null).none { it.householdId in mine })

        // Done: the knocked door's result uploads, the other four go back.
        assertEquals(4u, wb.releaseTurf(near.assignment.id))
        assertEquals(0uL, wb.pendingUploadCount())
        assertTrue(wb.assignments().none { it.id == near.assignment.id })
        // Only the volunteer who holds a check-out can release it.
        assertFailsWith<WalkbookException.InvalidInput> { wb.releaseTurf(theirs.assignment.id) }
        // Bad input is refused with what to fix.
        val e = assertFailsWith<WalkbookException.InvalidInput> { wb.turfNearMe(here.lat!!, here.lon!!, 0u, null, null) }
        assertTrue(e.message!!.contains("between 1 and"), e.message)
    }
}
