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

/** Bad input from the app's side: typed errors with clear messages, never a crash. */
class BadInputTest {
    @Test fun a_wrong_key_is_a_storage_error_that_says_so() {
        val dir = TestServer.dataDir()
        Walkbook.open(dir, ByteArray(32) { 1 }).deviceId()
        val e = assertFailsWith<WalkbookException.Storage> { Walkbook.open(dir, ByteArray(32) { 2 }) }
        assertTrue(e.detail.contains("encryption key is wrong"), e.detail)
        assertFailsWith<WalkbookException.Storage> { Walkbook.open(dir, null) }
    }

    @Test fun a_corrupt_data_dir_is_a_storage_error() {
        val dir = TestServer.dataDir()
        File(dir, "campaign.db").writeBytes(ByteArray(8192) { 0x5a })
        val e = assertFailsWith<WalkbookException.Storage> { Walkbook.open(dir, null) }
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
