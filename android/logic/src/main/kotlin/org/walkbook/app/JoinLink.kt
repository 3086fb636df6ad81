package org.walkbook.app

import org.walkbook.core.WalkbookException
import org.walkbook.core.readJoinLink

/** A join link as printed or shown as a QR code: walkbook://join?server=…&code=… */
data class JoinLink(val serverUrl: String, val inviteCode: String)

/**
 * Reads a scanned or typed join link with the core's one parser. Returns
 * null when the text is not a usable link; [joinLinkProblem] says why.
 */
fun parseJoinLink(text: String): JoinLink? =
    try {
        readJoinLink(text).let { JoinLink(it.serverUrl, it.inviteCode) }
    } catch (e: WalkbookException) {
        null
    }

/** Why a text is not a usable join link, in words for the volunteer; null when it is one. */
fun joinLinkProblem(text: String): String? =
    try {
        readJoinLink(text)
        null
    } catch (e: WalkbookException.InvalidInput) {
        e.detail
    }
