package org.walkbook.app

import android.content.Intent
import android.net.Uri
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import org.walkbook.app.ui.AppScreen
import org.walkbook.app.ui.WalkbookUi

/** Hosts the screens; every decision lives in org.walkbook.app (logic) or the core. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val core = WalkbookApp.core(this)
        SyncWorker.schedule(this)
        val link = intent?.data?.toString()?.let(::parseJoinLink)
        setContent {
            var screen by remember { mutableStateOf(if (core.assignments().isEmpty() && !core.trainingOnly()) AppScreen.Join(link) else AppScreen.Assignments) }
            // The practice shift, while one is open (a trainee's app opens in it).
            var practice by remember { mutableStateOf(core.practice()) }
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
