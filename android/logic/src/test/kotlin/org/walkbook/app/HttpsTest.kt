package org.walkbook.app

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertTrue
import kotlinx.coroutines.runBlocking
import org.walkbook.core.DoorInput
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException
import org.walkbook.core.errorText

/**
 * Join and sync over TLS from Kotlin: the real server behind a TLS proxy
 * with a throwaway test CA (`walkbook-dev tls-proxy`, started by
 * scripts/test-bindings). The library checks certificates against the
 * roots bundled into it (ADR 21), the same code on Android, iOS and here,
 * plus a campaign CA the app was told to trust.
 */
class HttpsTest {
    private val url = System.getenv("WALKBOOK_TEST_HTTPS_SERVER") ?: error("WALKBOOK_TEST_HTTPS_SERVER unset")
    private val ca = File(System.getenv("WALKBOOK_TEST_CA") ?: error("WALKBOOK_TEST_CA unset")).readText()

    @Test fun a_phone_joins_and_syncs_over_https_once_it_trusts_the_campaign_ca() = runBlocking {
        val dir = TestServer.dataDir()
        val wb = Walkbook.open(dir, null)
        val code = TestServer.invite("vol-01")
        // The test CA is in no public root store: refused at the handshake.
        val refused = assertFailsWith<WalkbookException.Network> { wb.join(url, code) }
        // What the screen shows: the words alone (Kotlin's `message` is `detail=…`).
        assertTrue(errorText(refused).startsWith("cannot reach the server"), errorText(refused))
        // A damaged CA changes nothing.
        assertFailsWith<WalkbookException.InvalidInput> { wb.trustCampaignCa("-----BEGIN nonsense") }

        wb.trustCampaignCa(ca)
        wb.join(url, code) // the same code: nothing was used up by the refused attempt
        val turf = wb.assignments().first { it.kind == UnitKind.TURF }
        val door = wb.turfScreen(turf.unitId, null).nextDoor!!
        assertTrue(wb.openDoor(turf.id, door).send(DoorInput.Record("not_home", true)).done)
        assertEquals(1uL, wb.pendingUploadCount())
        wb.syncNow()
        assertEquals(0uL, wb.pendingUploadCount())

        // The trust is kept with the campaign: the app reopened still syncs.
        wb.close()
        val again = Walkbook.open(dir, null)
        again.syncNow()
        assertEquals(0uL, again.pendingUploadCount())
    }

    @Test fun plain_http_to_another_machine_is_refused_before_anything_is_sent() = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        val e = assertFailsWith<WalkbookException.InvalidInput> { wb.join("http://192.0.2.7:8080", "ABCD-EFGH") }
        assertTrue(errorText(e).contains("https://"), errorText(e))
        assertTrue(errorText(e).startsWith("the server 192.0.2.7"), errorText(e))
    }
}
