package org.walkbook.app.ui

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.location.Location
import android.location.LocationListener
import android.location.LocationManager
import android.os.Looper
import android.os.SystemClock
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.platform.LocalContext
import androidx.core.content.ContextCompat

private fun granted(context: Context, permission: String) =
    ContextCompat.checkSelfPermission(context, permission) == PackageManager.PERMISSION_GRANTED

/**
 * While a door screen is open, hands every location fix (lat, lon, accuracy
 * in metres) to [onFix], which forwards it to the core's door view model
 * (`DoorInput.Location`); saves carry the latest fix and never wait for one.
 * Asks once for precise or approximate location; with approximate only, the
 * network provider's coarse fixes are used; refused, nothing is sent and
 * results are saved without a location. Nothing runs once the screen closes.
 */
@Composable
fun DoorLocation(onFix: (lat: Double, lon: Double, accuracyM: Double) -> Unit) {
    val context = LocalContext.current
    var fine by remember { mutableStateOf(granted(context, Manifest.permission.ACCESS_FINE_LOCATION)) }
    var coarse by remember { mutableStateOf(granted(context, Manifest.permission.ACCESS_COARSE_LOCATION)) }
    val ask = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { result ->
        fine = result[Manifest.permission.ACCESS_FINE_LOCATION] == true
        coarse = fine || result[Manifest.permission.ACCESS_COARSE_LOCATION] == true
    }
    LaunchedEffect(Unit) {
        if (!fine && !coarse) {
            ask.launch(arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION))
        }
    }
    DisposableEffect(fine, coarse) {
        val manager = context.getSystemService(LocationManager::class.java)
        val listener = LocationListener { l: Location -> onFix(l.latitude, l.longitude, l.accuracy.toDouble()) }
        val providers = buildList {
            if (fine) add(LocationManager.GPS_PROVIDER)
            if (fine || coarse) add(LocationManager.NETWORK_PROVIDER)
        }.filter { runCatching { manager.isProviderEnabled(it) }.getOrDefault(false) }
        try {
            for (p in providers) {
                // A fix from the last two minutes is good enough to start with.
                manager.getLastKnownLocation(p)?.takeIf {
                    SystemClock.elapsedRealtimeNanos() - it.elapsedRealtimeNanos < 120_000_000_000L
                }?.let(listener::onLocationChanged)
                manager.requestLocationUpdates(p, 5_000L, 5f, listener, Looper.getMainLooper())
            }
        } catch (e: SecurityException) {
            // Permission withdrawn meanwhile: save without a location.
        }
        onDispose { manager.removeUpdates(listener) }
    }
}
