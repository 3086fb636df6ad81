package org.walkbook.app

import org.walkbook.core.SyncState

/** How the sync badge looks: words first, so it never relies on colour. */
enum class BadgeTone { Good, Waiting, Working, Problem }

data class SyncBadge(val text: String, val tone: BadgeTone, val contentDescription: String)

/** The badge for [pending] results not yet on the server and the last sync [state]. */
fun syncBadge(pending: Long, state: SyncState?): SyncBadge {
    if (state?.running == true) {
        return SyncBadge("Syncing…", BadgeTone.Working, "Sync in progress")
    }
    val error = state?.lastError
    return when {
        error != null && pending > 0 ->
            SyncBadge("$pending not on the server yet", BadgeTone.Problem, "Sync failed: $error. $pending results are safe on this phone.")
        error != null -> SyncBadge("Sync failed", BadgeTone.Problem, "Sync failed: $error")
        pending == 1L -> SyncBadge("1 result not on the server yet", BadgeTone.Waiting, "1 result saved on this phone, not yet on the server")
        pending > 1 -> SyncBadge("$pending results not on the server yet", BadgeTone.Waiting, "$pending results saved on this phone, not yet on the server")
        else -> SyncBadge("All results on the server", BadgeTone.Good, "All results are on the server")
    }
}
