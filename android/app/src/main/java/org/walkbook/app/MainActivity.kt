package org.walkbook.app

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import android.view.WindowManager
import androidx.activity.ComponentActivity
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.ViewModel
import org.walkbook.app.ui.AppScreen
import org.walkbook.app.ui.WalkbookUi
import org.walkbook.core.CallScreen
import org.walkbook.core.DoorScreen
import org.walkbook.core.Walkbook

/**
 * What survives a rotation: where the app is and the open door and call
 * screens (the core's view models, with answers typed so far). The Rust
 * objects cannot go into a Bundle, so they live here rather than in
 * `rememberSaveable`.
 */
class AppState : ViewModel() {
    var screen by mutableStateOf<AppScreen?>(null)
    var practice by mutableStateOf<Walkbook?>(null)
    private var door: Pair<String, DoorScreen>? = null
    private var call: Pair<String, CallScreen>? = null

    fun door(core: Walkbook, assignmentId: String, householdId: String): DoorScreen {
        val key = "${core.isPractice()}|$assignmentId|$householdId"
        door?.takeIf { it.first == key }?.let { return it.second }
        return core.openDoor(assignmentId, householdId).also { door = key to it }
    }

    fun call(core: Walkbook, assignmentId: String): CallScreen {
        val key = "${core.isPractice()}|$assignmentId"
        call?.takeIf { it.first == key }?.let { return it.second }
        return core.openCall(assignmentId, null).also { call = key to it }
    }

    /** A new visit to a door or a list starts a fresh screen. */
    fun leave() {
        door = null
        call = null
    }
}

/** Hosts the screens; every decision lives in the core's view models (ADR 20). */
class MainActivity : ComponentActivity() {
    private val state: AppState by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val core = WalkbookApp.core(this)
        SyncWorker.schedule(this)
        // Voter names and numbers on screen: no screenshots, and a blank
        // card in the app switcher.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        if (state.screen == null) {
            // A walkbook://join deep link: the join screen reads it (the core decides).
            val link = intent?.data?.toString()
            state.screen = if (core.assignments().isEmpty() && !core.trainingOnly()) AppScreen.Join(link) else AppScreen.Assignments
            // The practice shift, while one is open (a trainee's app opens in it).
            state.practice = core.practice()
        }
        setContent {
            val screen = state.screen ?: AppScreen.Assignments
            fun go(to: AppScreen) {
                if (to !is AppScreen.Door && to !is AppScreen.Calls) state.leave()
                state.screen = to
            }
            // Back goes up one screen instead of quitting mid-turf.
            BackHandler(enabled = screen is AppScreen.Door || screen is AppScreen.Turf || screen is AppScreen.Calls) {
                go(if (screen is AppScreen.Door) AppScreen.Turf(screen.assignment) else AppScreen.Assignments)
            }
            WalkbookUi(
                core = state.practice ?: core,
                campaign = core,
                state = state,
                screen = screen,
                navigate = ::go,
                practise = { state.practice = it; go(AppScreen.Assignments) },
                dial = { uri -> startActivity(Intent(Intent.ACTION_DIAL, Uri.parse(uri))) },
            )
        }
    }
}
