package org.walkbook.app

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.walkbook.core.BadgeTone
import org.walkbook.core.SyncState
import org.walkbook.core.badgeFor
import org.walkbook.core.joinScreen

/** The join screen and the sync badge, decided in Rust, read from Kotlin. */
class JoinAndBadgeTest {
    private fun state(running: Boolean = false, error: String? = null) =
        SyncState(running, 0u, 0u, 0uL, 0uL, 0uL, error)

    @Test fun the_badge_says_how_many_results_are_not_on_the_server() {
        assertEquals("3 results not on the server yet", badgeFor(3uL, null, "en").text)
        assertEquals("1 result not on the server yet", badgeFor(1uL, state(), "en").text)
        assertEquals(BadgeTone.GOOD, badgeFor(0uL, state(), "en").tone)
        assertEquals(BadgeTone.WORKING, badgeFor(2uL, state(running = true), "en").tone)
        val failed = badgeFor(2uL, state(error = "cannot reach the server"), "en")
        assertEquals(BadgeTone.PROBLEM, failed.tone)
        assertTrue(failed.description.contains("safe on this phone"), failed.description)
        // The error clears when a later sync succeeds.
        assertEquals(BadgeTone.GOOD, badgeFor(0uL, state(), "en").tone)
    }

    @Test fun a_scanned_or_deep_linked_join_link_says_where_it_joins_or_what_is_wrong() {
        val ok = joinScreen("walkbook://join?server=https%3A%2F%2Fwalkbook.example.org&code=abcd-efgh-jklm", "en")
        assertTrue(ok.canJoin)
        assertEquals("walkbook.example.org", ok.serverHost)
        assertEquals("ABCD-EFGH-JKLM", ok.inviteCode)
        assertNull(ok.problem)
        // Nothing scanned yet: nothing to complain about.
        assertNull(joinScreen("", "en").problem)
        for ((text, why) in listOf(
            "https://example.org/join?code=x" to "not a walkbook join link",
            "walkbook://join?server=https://a.example&code=X&code=Y" to "twice",
            "walkbook://join?server=ftp://x&code=y" to "no server address",
            "walkbook://join?server=http%3A%2F%2F192.0.2.7%3A8080&code=X" to "https://",
        )) {
            val v = joinScreen(text, "en")
            assertFalse(v.canJoin, text)
            assertTrue(v.problem!!.contains(why), "$text: ${v.problem}")
        }
    }

    @Test fun the_screens_speak_the_phones_language() = kotlinx.coroutines.runBlocking {
        assertEquals("2 resultados aún no están en el servidor", badgeFor(2uL, null, "es-US").text)
        assertTrue(joinScreen("hola", "es-MX").problem!!.startsWith("esto no es un enlace de walkbook"))
        val wb = org.walkbook.core.Walkbook.open(TestServer.dataDir(), null)
        wb.join(TestServer.url, TestServer.invite("vol-03"))
        wb.setUiLanguage("es-US")
        val turf = wb.assignments().first { it.kind == org.walkbook.core.UnitKind.TURF && !it.litDrop }
        val view = wb.turfScreen(turf.unitId, null)
        assertTrue(view.progress.contains("puertas tocadas"), view.progress)
        val door = wb.openDoor(turf.id, view.doors.first().householdId)
        assertEquals("Todavía no", door.view().people.first().statusLabel)
        assertEquals("primero elija quién abrió la puerta", door.send(org.walkbook.core.DoorInput.SaveConversation).message)
        // English again for anything that is not Spanish.
        wb.setUiLanguage("fr-FR")
        assertTrue(wb.turfScreen(turf.unitId, null).progress.contains("doors knocked"))
    }
}
