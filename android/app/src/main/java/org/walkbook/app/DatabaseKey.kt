package org.walkbook.app

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.io.FileOutputStream
import java.security.GeneralSecurityException
import java.security.KeyStore
import java.security.SecureRandom
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The 32-byte SQLCipher key for the campaign database. It is random, stored
 * only wrapped (AES-GCM) by a non-exportable Android Keystore key, and handed
 * to the core at open time.
 *
 * If the Keystore lost its key (a restored phone, a reset lock screen on
 * some devices) the wrapped file can no longer be read: it is kept aside
 * (never deleted) and a new key is made. The campaign database then does
 * not open with it, and the core's key-loss path takes over
 * (`WalkbookException.KeyLost` → `recoverUnreadableCampaign`, ADR 20): the
 * volunteer is told and joins again; nothing is deleted.
 */
object DatabaseKey {
    private const val ALIAS = "walkbook-db-key-wrapper"
    private const val FILE = "db.key.wrapped"

    fun get(context: Context): ByteArray {
        val file = context.noBackupFilesDir.resolve(FILE)
        if (file.exists()) {
            try {
                val bytes = file.readBytes()
                require(bytes.size == 12 + 32 + 16) { "the wrapped key file has ${bytes.size} bytes" }
                val cipher = Cipher.getInstance("AES/GCM/NoPadding")
                cipher.init(Cipher.DECRYPT_MODE, wrapperKey(), GCMParameterSpec(128, bytes.copyOfRange(0, 12)))
                return cipher.doFinal(bytes.copyOfRange(12, bytes.size))
            } catch (e: GeneralSecurityException) {
                setAside(file)
            } catch (e: IllegalArgumentException) {
                setAside(file)
            }
        }
        val key = ByteArray(32).also { SecureRandom().nextBytes(it) }
        val cipher = Cipher.getInstance("AES/GCM/NoPadding")
        cipher.init(Cipher.ENCRYPT_MODE, wrapperKey())
        writeAtomically(file, cipher.iv + cipher.doFinal(key))
        return key
    }

    /** Keeps an unreadable wrapped key beside the database it belonged to. */
    private fun setAside(file: File) {
        file.renameTo(File(file.parentFile, "$FILE.unreadable-${System.currentTimeMillis()}"))
    }

    /** Temp file, fsync, rename: a crash leaves the old file or the new one, never half of one. */
    private fun writeAtomically(file: File, bytes: ByteArray) {
        val tmp = File(file.parentFile, "$FILE.tmp")
        FileOutputStream(tmp).use { out ->
            out.write(bytes)
            out.fd.sync()
        }
        check(tmp.renameTo(file)) { "cannot store the database key in ${file.parent}" }
    }

    private fun wrapperKey(): SecretKey {
        val store = KeyStore.getInstance("AndroidKeyStore").apply { load(null) }
        (store.getEntry(ALIAS, null) as? KeyStore.SecretKeyEntry)?.let { return it.secretKey }
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, "AndroidKeyStore")
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .build(),
        )
        return generator.generateKey()
    }
}
