package org.walkbook.app

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.walkbook.core.AttemptInput
import org.walkbook.core.PracticeSource
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException

/** Practice mode through the generated Kotlin, the real library and server. */
class PracticeTest {
    private fun talkTo(wb: Walkbook, assignmentId: String, personId: String) =
        wb.recordAttempt(assignmentId, AttemptInput(personId, null, null, mapOf("support" to "2"), "", null, null, null, null, null))

    @Test fun a_volunteer_practises_on_a_sandbox_built_on_the_phone_and_nothing_uploads() = runBlocking {
        val dir = TestServer.dataDir()
        val wb = Walkbook.open(dir, ByteArray(32) { 3 })
        val joined = wb.join(TestServer.url, TestServer.invite("vol-01"))
        assertTrue(!joined.trainingOnly)
        assertTrue(!wb.isPractice())
        assertNull(wb.practice(), "no practice shift yet")
        val real = wb.assignments().first { it.unitId.startsWith("turf-") }

        val practice = wb.startPractice(PracticeSource.THIS_PHONE)
        assertTrue(practice.isPractice())
        val shift = practice.assignments().single()
        assertTrue(shift.practice)
        assertEquals(real.scriptId, shift.scriptId, "the campaign's real script")
        val door = assertNotNull(practice.nextDoor(shift.unitId, null))
        assertTrue(door.address.contains("Practice Lane"))
        // The real rules apply: an answer the script does not have is refused.
        assertFailsWith<WalkbookException.InvalidInput> {
            practice.recordAttempt(shift.id, AttemptInput(door.people.first().id, null, null, mapOf("support" to "9"), "", null, null, null, null, null))
        }
        talkTo(practice, shift.id, door.people.first().id)
        assertEquals(1u, practice.turfProgress(shift.unitId).contacts)
        // Practice never uploads and never syncs.
        assertEquals(0uL, practice.pendingUploadCount())
        assertFailsWith<WalkbookException.Practice> { practice.syncNow() }
        assertFailsWith<WalkbookException.Practice> { practice.startPractice(PracticeSource.THIS_PHONE) }
        // The campaign's own data is untouched, and its sync has nothing to send.
        assertEquals(0uL, wb.pendingUploadCount())
        assertEquals(0u, wb.turfProgress(real.unitId).contacts)
        wb.syncNow()

        // The app reopens the practice shift with its results, then ends it.
        val again = assertNotNull(wb.practice())
        assertEquals(1u, again.turfProgress(shift.unitId).contacts)
        wb.endPractice()
        assertNull(wb.practice())
        // The campaign database cannot be opened as practice, nor the other way round.
        assertTrue(Walkbook.open(dir, ByteArray(32) { 3 }).assignments().none { it.practice })
    }

    @Test fun a_training_invite_opens_only_practice_mode() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        val joined = wb.join(TestServer.url, TestServer.invite("trainee-01"))
        assertTrue(joined.trainingOnly)
        assertTrue(wb.trainingOnly())
        assertTrue(joined.assignments.isEmpty())
        // Nothing on the phone to build a sandbox from: the training packet it is.
        assertFailsWith<WalkbookException.NotFound> { wb.startPractice(PracticeSource.THIS_PHONE) }
        val practice = wb.startPractice(PracticeSource.TRAINING_PACKET)
        val shift = practice.assignments().single()
        assertTrue(shift.practice)
        val door = assertNotNull(practice.nextDoor(shift.unitId, null))
        talkTo(practice, shift.id, door.people.first().id)
        assertEquals(1u, practice.turfProgress(shift.unitId).contacts)
        assertFailsWith<WalkbookException.Practice> { practice.syncNow() }
        // The trainee's token reaches nothing but the training packet.
        val e = assertFailsWith<WalkbookException.InvalidInput> { wb.claimBatch("calls-01", 5u) }
        assertTrue(e.message!!.contains("training invite"), e.message)
    }
}
