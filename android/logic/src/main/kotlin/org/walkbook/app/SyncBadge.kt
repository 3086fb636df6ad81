package org.walkbook.app

import org.walkbook.core.SyncState
import org.walkbook.core.badgeFor

/** How the sync badge looks: words first, so it never relies on colour. */
enum class BadgeTone { Good, Waiting, Working, Problem }

data class SyncBadge(val text: String, val tone: BadgeTone, val contentDescription: String)

/**
 * The badge for [pending] results not yet on the server and the latest sync
 * [state] the listener reported. The decision is the core's (`badgeFor`);
 * this only maps it to Compose-friendly types.
 */
fun syncBadge(pending: Long, state: SyncState?): SyncBadge {
    val b = badgeFor(pending.toULong(), state)
    val tone = when (b.tone) {
        org.walkbook.core.BadgeTone.GOOD -> BadgeTone.Good
        org.walkbook.core.BadgeTone.WAITING -> BadgeTone.Waiting
        org.walkbook.core.BadgeTone.WORKING -> BadgeTone.Working
        org.walkbook.core.BadgeTone.PROBLEM -> BadgeTone.Problem
    }
    return SyncBadge(b.text, tone, b.description)
}
