package org.walkbook.app

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNull
import org.walkbook.core.SyncState

class SyncBadgeAndJoinLinkTest {
    private fun state(running: Boolean = false, error: String? = null) =
        SyncState(running, 0u, 0u, 0uL, 0uL, 0uL, error)

    @Test fun the_badge_says_how_many_results_are_not_on_the_server() {
        assertEquals("3 results not on the server yet", syncBadge(3, null).text)
        assertEquals("1 result not on the server yet", syncBadge(1, state()).text)
        assertEquals(BadgeTone.Good, syncBadge(0, state()).tone)
    }

    @Test fun a_failed_sync_is_said_in_plain_words_and_keeps_the_count() {
        val b = syncBadge(2, state(error = "cannot reach the server"))
        assertEquals(BadgeTone.Problem, b.tone)
        assertEquals("2 not on the server yet", b.text)
        assertEquals(true, b.contentDescription.contains("safe on this phone"))
        assertEquals(BadgeTone.Working, syncBadge(2, state(running = true)).tone)
    }

    @Test fun a_join_link_gives_server_and_code() {
        val link = parseJoinLink("walkbook://join?server=https%3A%2F%2Fwalkbook.example.org&code=abcd-efgh-jklm")
        assertEquals(JoinLink("https://walkbook.example.org", "ABCD-EFGH-JKLM"), link)
        assertNull(parseJoinLink("https://example.org/join?code=x"))
        assertNull(parseJoinLink("walkbook://join?server=ftp://x&code=y"))
        assertNull(parseJoinLink("not a link at all"))
        // A repeated key (a link changed on the way) is refused, not a crash.
        assertNull(parseJoinLink("walkbook://join?server=https://a.example&code=X&code=Y"))
        assertEquals(true, joinLinkProblem("walkbook://join?server=https://a.example&code=X&code=Y")!!.contains("twice"))
        assertNull(joinLinkProblem("walkbook://join?server=https://a.example&code=x"))
    }
}
