package org.walkbook.app

import org.walkbook.core.AttemptInput
import org.walkbook.core.NextCallView
import org.walkbook.core.SavedAttempt
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException

sealed interface CallScreenState {
    /** Show this contact; the number comes only when the volunteer taps Call. */
    data class Contact(val personId: String, val name: String, val language: String, val closesAtMs: Long) : CallScreenState
    data class Wait(val untilMs: Long, val text: String) : CallScreenState
    data object Done : CallScreenState
}

/**
 * The phone-bank screen. The volunteer's own number is never asked for: the
 * shell opens the phone's dialler with the `tel:` URI from [dialUri].
 */
class CallModel(private val core: Walkbook, private val assignmentId: String, private val listId: String) {
    fun next(nowMs: Long? = null): CallScreenState = when (val n = core.nextCall(listId, nowMs)) {
        is NextCallView.Dial -> {
            val row = core.callQueue(listId).first { it.person.id == n.personId }
            CallScreenState.Contact(row.person.id, row.person.name, row.person.language, n.closesAtMs)
        }
        is NextCallView.WaitUntil -> CallScreenState.Wait(n.atMs, "Nobody can be called right now; next at ${java.time.Instant.ofEpochMilli(n.atMs)}")
        NextCallView.Done -> CallScreenState.Done
    }

    /** `tel:` URI for the contact on screen, refused outside their calling hours. */
    fun dialUri(personId: String, nowMs: Long? = null): String {
        val number = core.numberToDial(listId, personId, nowMs)
        return "tel:$number"
    }

    fun record(personId: String, resultCode: String, durationS: UInt, callBackAtMs: Long? = null): SavedAttempt =
        core.recordAttempt(assignmentId, AttemptInput(personId, null, resultCode, emptyMap(), "", callBackAtMs, durationS, null, null, null))

    fun recordAnswers(personId: String, answers: Map<String, String>, durationS: UInt): SavedAttempt =
        core.recordAttempt(assignmentId, AttemptInput(personId, null, null, answers, "", null, durationS, null, null, null))

    /** A plain-words explanation of why a dial was refused, for the screen. */
    fun explain(e: WalkbookException): String = e.message ?: "Something went wrong"
}
