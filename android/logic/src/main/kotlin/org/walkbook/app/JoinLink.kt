package org.walkbook.app

import java.net.URI
import java.net.URLDecoder

/** A join link as printed or shown as a QR code: walkbook://join?server=…&code=… */
data class JoinLink(val serverUrl: String, val inviteCode: String)

/**
 * Reads a scanned or typed join link. Returns null with nothing to join when
 * the text is not one; a bare code needs the server typed separately.
 */
fun parseJoinLink(text: String): JoinLink? {
    val uri = runCatching { URI(text.trim()) }.getOrNull() ?: return null
    if (uri.scheme != "walkbook" || uri.host != "join") return null
    val params = (uri.rawQuery ?: "").split('&').mapNotNull {
        val parts = it.split('=', limit = 2)
        if (parts.size == 2) parts[0] to URLDecoder.decode(parts[1], "UTF-8") else null
    }.toMap()
    val server = params["server"]?.takeIf { it.startsWith("https://") || it.startsWith("http://") } ?: return null
    val code = params["code"]?.trim()?.uppercase()?.takeIf { it.isNotEmpty() } ?: return null
    return JoinLink(server, code)
}
