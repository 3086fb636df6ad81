package org.walkbook.app

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import java.util.concurrent.TimeUnit
import org.walkbook.core.WalkbookException

/** Background sync whenever a network is available; results are already safe on disk. */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result = try {
        WalkbookApp.core(applicationContext).syncNow()
        Result.success()
    } catch (e: WalkbookException.Network) {
        Result.retry()
    } catch (e: WalkbookException.NotJoined) {
        Result.success()
    } catch (e: WalkbookException.DeviceRevoked) {
        Result.success() // the core already wiped the campaign; the UI shows why
    }

    companion object {
        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork("walkbook-sync", ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
