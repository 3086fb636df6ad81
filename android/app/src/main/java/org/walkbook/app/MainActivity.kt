package org.walkbook.app

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.compose.BackHandler
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import org.walkbook.app.ui.AppScreen
import org.walkbook.app.ui.WalkbookUi

/** Hosts the screens; every decision lives in the core's view models (ADR 20). */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val core = WalkbookApp.core(this)
        SyncWorker.schedule(this)
        // Voter names and numbers on screen: no screenshots, and a blank
        // card in the app switcher.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        // A walkbook://join deep link: the join screen reads it (the core decides).
        val link = intent?.data?.toString()
        setContent {
            var screen by remember { mutableStateOf(if (core.assignments().isEmpty() && !core.trainingOnly()) AppScreen.Join(link) else AppScreen.Assignments) }
            // The practice shift, while one is open (a trainee's app opens in it).
            var practice by remember { mutableStateOf(core.practice()) }
            // Back goes up one screen instead of quitting mid-turf.
            BackHandler(enabled = screen is AppScreen.Door || screen is AppScreen.Turf || screen is AppScreen.Calls) {
                screen = when (val s = screen) {
                    is AppScreen.Door -> AppScreen.Turf(s.assignment)
                    else -> AppScreen.Assignments
                }
            }
            WalkbookUi(
                core = practice ?: core,
                campaign = core,
                screen = screen,
                navigate = { screen = it },
                practise = { practice = it; screen = AppScreen.Assignments },
                dial = { uri -> startActivity(Intent(Intent.ACTION_DIAL, Uri.parse(uri))) },
            )
        }
    }
}
