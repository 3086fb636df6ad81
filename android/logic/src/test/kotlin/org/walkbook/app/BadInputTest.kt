package org.walkbook.app

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException
import org.walkbook.core.recoverUnreadableCampaign

/** Bad input from the app's side: typed errors with clear messages, never a crash. */
class BadInputTest {
    @Test fun a_wrong_key_is_key_lost_and_recovery_keeps_the_old_data_aside() = runBlocking {
        val dir = TestServer.dataDir()
        val old = Walkbook.open(dir, ByteArray(32) { 1 })
        old.join(TestServer.url, TestServer.invite("vol-03"))
        val turf = old.assignments().first { it.kind == UnitKind.TURF && !it.litDrop }
        val door = old.walkList(turf.unitId, null).first()
        old.recordAttempt(turf.id, org.walkbook.core.AttemptInput(null, door.householdId, "not_home", emptyMap(), "", null, null, null, null, null))
        old.startPractice(org.walkbook.core.PracticeSource.THIS_PHONE)
        // The Keystore lost the key: the app has a new one.
        val e = assertFailsWith<WalkbookException.KeyLost> { Walkbook.open(dir, ByteArray(32) { 2 }) }
        assertTrue(e.detail.contains("encryption key is wrong"), e.detail)
        assertFailsWith<WalkbookException.KeyLost> { Walkbook.open(dir, null) }
        // The decision: set it aside (never delete), start fresh, tell the volunteer.
        val loss = recoverUnreadableCampaign(dir, ByteArray(32) { 2 })
        assertTrue(loss.message.contains("new invite"), loss.message)
        assertTrue(File(loss.setAsidePath).exists())
        assertTrue(!File(dir, "practice.db").exists(), "the practice shift went too")
        val fresh = Walkbook.open(dir, ByteArray(32) { 2 })
        assertEquals(0, fresh.assignments().size)
        // A readable database is never set aside.
        assertFailsWith<WalkbookException> { recoverUnreadableCampaign(dir, ByteArray(32) { 2 }) }
        // The unsynced result is still in the kept file, for the old key.
        // (the old handle is still open here, so its last writes are in the WAL, which was kept too)
        val kept = File(TestServer.dataDir(), "campaign.db")
        File(loss.setAsidePath).copyTo(kept)
        File(loss.setAsidePath + "-wal").takeIf { it.exists() }?.copyTo(File(kept.path + "-wal"))
        assertEquals(1uL, Walkbook.open(kept.parent, ByteArray(32) { 1 }).pendingUploadCount())
    }

    @Test fun a_corrupt_data_dir_is_a_storage_error() {
        val dir = TestServer.dataDir()
        File(dir, "campaign.db").writeBytes(ByteArray(8192) { 0x5a })
        val e = assertFailsWith<WalkbookException.KeyLost> { Walkbook.open(dir, null) }
        assertTrue(e.detail.contains("not a walkbook database"), e.detail)
        val file = File(TestServer.dataDir(), "a-file")
        file.writeText("not a directory")
        assertFailsWith<WalkbookException.Storage> { Walkbook.open(file.path, null) }
    }

    @Test fun calls_after_wipe_get_clear_errors() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        wb.join(TestServer.url, TestServer.invite("vol-03"))
        val turf = wb.assignments().first { it.kind == UnitKind.TURF }
        wb.wipe()
        assertEquals(0, wb.assignments().size)
        val gone = assertFailsWith<WalkbookException.NotFound> { wb.walkList(turf.unitId, null) }
        assertTrue(gone.detail.contains("sync to download"), gone.detail)
        assertFailsWith<WalkbookException.NotJoined> { wb.syncNow() }
        assertEquals(0uL, wb.pendingUploadCount())
    }
}
