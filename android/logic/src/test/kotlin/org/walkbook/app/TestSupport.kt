package org.walkbook.app

import java.io.File
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Files
import kotlin.concurrent.thread

/** The real walkbook-server started by scripts/test-bindings, and its invites. */
object TestServer {
    val url: String = System.getenv("WALKBOOK_TEST_SERVER") ?: error("run through scripts/test-bindings (WALKBOOK_TEST_SERVER unset)")
    private val invites: MutableList<Pair<String, String>> =
        File(System.getenv("WALKBOOK_TEST_INVITES") ?: error("WALKBOOK_TEST_INVITES unset")).readLines()
            .filter { it.isNotBlank() }
            .map { line -> line.split(' ').let { it[0] to it[1] } }
            .toMutableList()

    /** An unused one-time invite code (for [volunteer], or anyone). */
    @Synchronized
    fun invite(volunteer: String? = null): String {
        val i = invites.indexOfFirst { volunteer == null || it.first == volunteer }
        check(i >= 0) { "no invite left for $volunteer; add more in scripts/test-bindings" }
        return invites.removeAt(i).second
    }

    fun dataDir(): String = Files.createTempDirectory("walkbook-jvm").toString()
}

/**
 * A TCP forwarder on 127.0.0.1 that can be switched off and on: the phone's
 * "signal". While off it refuses connections, like a phone with no network.
 */
class Signal(private val upstreamPort: Int) : AutoCloseable {
    private val server = ServerSocket(0)
    val url = "http://127.0.0.1:${server.localPort}"
    private val open = java.util.Collections.synchronizedSet(mutableSetOf<Socket>())

    /** Off: new connections are refused and open ones are cut, as when a phone loses signal. */
    @Volatile var online = true
        set(value) {
            field = value
            if (!value) synchronized(open) { open.forEach { runCatching { it.close() } }; open.clear() }
        }

    init {
        thread(isDaemon = true) {
            while (!server.isClosed) {
                val client = runCatching { server.accept() }.getOrNull() ?: break
                if (!online) { client.close(); continue }
                open.add(client)
                thread(isDaemon = true) {
                    runCatching {
                        Socket("127.0.0.1", upstreamPort).use { up ->
                            open.add(up)
                            val a = thread(isDaemon = true) { runCatching { client.getInputStream().copyTo(up.getOutputStream()) } }
                            runCatching { up.getInputStream().copyTo(client.getOutputStream()) }
                            a.join(100)
                        }
                    }
                    client.close()
                }
            }
        }
    }

    override fun close() = server.close()

    companion object {
        fun toTestServer() = Signal(java.net.URI(TestServer.url).port)
    }
}
