package org.walkbook.app

import android.content.Context
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException
import org.walkbook.core.recoverUnreadableCampaign

/** One open campaign per process, keyed from the Keystore. */
object WalkbookApp {
    @Volatile private var instance: Walkbook? = null

    /**
     * Set when the database could not be opened with the Keystore's key and
     * was set aside (the core's decision, `recoverUnreadableCampaign`): the
     * join screen shows it once, instead of crashing at every start.
     */
    @Volatile var recoveryMessage: String? = null

    fun core(context: Context): Walkbook = instance ?: synchronized(this) {
        instance ?: open(context).also { instance = it }
    }

    private fun open(context: Context): Walkbook {
        val dir = context.noBackupFilesDir.resolve("campaign").path
        val key = DatabaseKey.get(context)
        val core = try {
            Walkbook.open(dir, key)
        } catch (e: WalkbookException.KeyLost) {
            recoveryMessage = recoverUnreadableCampaign(dir, key).message
            Walkbook.open(dir, key)
        }
        // The screens' own words in the phone's language (English or Spanish).
        core.setUiLanguage(java.util.Locale.getDefault().toLanguageTag())
        return core
    }
}
