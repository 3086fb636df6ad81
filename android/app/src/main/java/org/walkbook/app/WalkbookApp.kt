package org.walkbook.app

import android.content.Context
import org.walkbook.core.Walkbook

/** One open campaign per process, keyed from the Keystore. */
object WalkbookApp {
    @Volatile private var instance: Walkbook? = null

    fun core(context: Context): Walkbook = instance ?: synchronized(this) {
        instance ?: Walkbook.open(context.noBackupFilesDir.resolve("campaign").path, DatabaseKey.get(context)).also { instance = it }
    }
}
