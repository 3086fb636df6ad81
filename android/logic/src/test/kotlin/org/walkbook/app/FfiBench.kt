package org.walkbook.app

import kotlinx.coroutines.runBlocking
import org.walkbook.core.AttemptInput
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook

/**
 * Timings printed by scripts/test-bindings (a measurement, not a test):
 * the overhead of a trivial call from Kotlin, and recordAttempt from Kotlin.
 */
object FfiBench {
    @JvmStatic fun main(args: Array<String>) = runBlocking {
        val wb = Walkbook.open(TestServer.dataDir(), null)
        repeat(2_000) { wb.deviceId() }
        val calls = 20_000
        var t = System.nanoTime()
        repeat(calls) { wb.deviceId() }
        val trivialUs = (System.nanoTime() - t) / 1000.0 / calls

        wb.join(TestServer.url, TestServer.invite("vol-02"))
        val turf = wb.assignments().first { it.kind == UnitKind.TURF }
        val doors = wb.walkList(turf.unitId, null)
        val n = 500
        t = System.nanoTime()
        for (i in 0 until n) {
            val d = doors[i % doors.size]
            wb.recordAttempt(turf.id, AttemptInput(null, d.householdId, "not_home", emptyMap(), "", null, null, null, null, null))
        }
        val recordMs = (System.nanoTime() - t) / 1e6 / n
        println("FFI from Kotlin: trivial call %.2f µs; recordAttempt %.3f ms (median-free mean over %d)".format(trivialUs, recordMs, n))
    }
}
