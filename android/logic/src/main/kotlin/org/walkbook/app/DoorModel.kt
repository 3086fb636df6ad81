package org.walkbook.app

import org.walkbook.core.AnswerKind
import org.walkbook.core.AttemptInput
import org.walkbook.core.QuestionView
import org.walkbook.core.SavedAttempt
import org.walkbook.core.ScriptView
import org.walkbook.core.Walkbook

/**
 * The door screen: the people at the door, the script in the person's
 * language with branching, and one-tap saving. A save returns only once the
 * result is on the phone's disk.
 */
class DoorModel(
    private val core: Walkbook,
    private val assignmentId: String,
    val householdId: String,
) {
    val household = core.household(householdId)
    val resultCodes = core.resultCodes(assignmentId)
    private val answers = linkedMapOf<String, String>()
    var script: ScriptView = core.scriptFor(assignmentId, "en")
        private set
    var current: QuestionView? = script.questions.firstOrNull()
        private set

    /** Shows the script in [language] (the switch next to the script). */
    fun useLanguage(language: String) {
        script = core.scriptFor(assignmentId, language)
        current = current?.let { q -> script.questions.firstOrNull { it.id == q.id } } ?: script.questions.firstOrNull()
    }

    /** Starts the script for [personId] in their language when translated. */
    fun startFor(personId: String) {
        val person = household.people.first { it.id == personId }
        answers.clear()
        useLanguage(person.language)
        current = script.questions.firstOrNull()
    }

    /** Records an answer and moves to the next question, following branches. */
    fun answer(answer: String) {
        val q = current ?: error("the script is finished")
        if (q.kind == AnswerKind.CHOICE) require(q.options.any { it.id == answer }) { "\"$answer\" is not an option of ${q.id}" }
        answers[q.id] = answer
        val nextId = core.nextQuestion(assignmentId, q.id, answer)
        current = nextId?.let { id -> script.questions.first { it.id == id } }
    }

    val answered: Map<String, String> get() = answers

    /** Saves the conversation with [personId]. */
    fun saveConversation(personId: String, notes: String = ""): SavedAttempt =
        core.recordAttempt(assignmentId, AttemptInput(personId, null, null, answers.toMap(), notes, null, null, null, null, null))
            .also { answers.clear() }

    /** Saves a result for one person, or the whole door when [personId] is null. */
    fun saveResult(personId: String?, resultCode: String, comeBackAtMs: Long? = null): SavedAttempt =
        core.recordAttempt(
            assignmentId,
            AttemptInput(personId, if (personId == null) householdId else null, resultCode, emptyMap(), "", comeBackAtMs, null, null, null, null),
        )
}
