package org.walkbook.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import org.walkbook.app.BadgeTone
import org.walkbook.app.CallModel
import org.walkbook.app.CallScreenState
import org.walkbook.app.JoinLink
import org.walkbook.app.TurfModel
import org.walkbook.app.syncBadge
import org.walkbook.core.AssignmentView
import org.walkbook.core.DoorInput
import org.walkbook.core.PracticeSource
import org.walkbook.core.SyncState
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException
import org.walkbook.core.WalkbookListener

/** Where the app is. Screens only render state and forward taps. */
sealed interface AppScreen {
    data class Join(val link: JoinLink?) : AppScreen
    data object Assignments : AppScreen
    data class Turf(val assignment: AssignmentView) : AppScreen
    data class Door(val assignment: AssignmentView, val householdId: String) : AppScreen
    data class Calls(val assignment: AssignmentView) : AppScreen
}

/** Status tones with text and icon alongside: high contrast, never colour alone. */
private fun toneColor(tone: String): Color = when (tone) {
    "done" -> Color(0xFF1B5E20)
    "retry" -> Color(0xFF8A4B00)
    "stop", "problem" -> Color(0xFFB00020)
    else -> Color(0xFF37474F)
}

/**
 * [core] is the campaign or, in practice mode, its practice shift
 * ([Walkbook.isPractice]): every screen then carries the practice banner and
 * there is nothing to sync. [practise] switches between the two (null: back
 * to the campaign).
 */
@Composable
fun WalkbookUi(
    core: Walkbook,
    campaign: Walkbook,
    screen: AppScreen,
    navigate: (AppScreen) -> Unit,
    practise: (Walkbook?) -> Unit,
    dial: (String) -> Unit,
) {
    MaterialTheme {
        Column(Modifier.fillMaxSize().padding(16.dp)) {
            if (core.isPractice()) PracticeBanner { practise(null) } else SyncBar(core)
            when (screen) {
                is AppScreen.Join -> JoinScreen(core, screen.link) { trainingOnly ->
                    if (trainingOnly) PracticeStarter.start(campaign, PracticeSource.TRAINING_PACKET, practise)
                    navigate(AppScreen.Assignments)
                }
                AppScreen.Assignments -> AssignmentsScreen(core, campaign, practise) { a ->
                    navigate(if (a.kind == UnitKind.TURF) AppScreen.Turf(a) else AppScreen.Calls(a))
                }
                is AppScreen.Turf -> TurfScreen(core, screen.assignment) { navigate(AppScreen.Door(screen.assignment, it)) }
                is AppScreen.Door -> DoorScreen(core, screen.assignment, screen.householdId) { navigate(AppScreen.Turf(screen.assignment)) }
                is AppScreen.Calls -> CallScreen(core, screen.assignment, dial)
            }
        }
    }
}

/** On every practice screen: what this is, and the way out. */
@Composable
fun PracticeBanner(leave: () -> Unit) {
    Row(
        Modifier.fillMaxWidth().padding(vertical = 8.dp)
            .semantics { contentDescription = "Practice mode: these results stay on this phone and never count" },
    ) {
        Text("PRACTICE · results stay on this phone and never count", color = Color(0xFF8A4B00))
        Button(onClick = leave) { Text("Leave practice") }
    }
}

/** Starts a practice shift off the main thread and hands it to the UI. */
object PracticeStarter {
    fun start(campaign: Walkbook, source: PracticeSource, practise: (Walkbook?) -> Unit) {
        kotlinx.coroutines.MainScope().launch {
            runCatching { campaign.startPractice(source) }.onSuccess { practise(it) }
        }
    }
}

@Composable
fun SyncBar(core: Walkbook) {
    val scope = rememberCoroutineScope()
    var state by remember { mutableStateOf<SyncState?>(null) }
    var pending by remember { mutableStateOf(core.pendingUploadCount().toLong()) }
    // Live: every save and every sync round refreshes the badge, and a
    // successful sync clears an earlier error (the core reports it so).
    DisposableEffect(core) {
        core.setListener(object : WalkbookListener {
            override fun onResultsChanged(unitId: String) { pending = core.pendingUploadCount().toLong() }
            override fun onSyncState(s: SyncState) { state = s; pending = s.pendingUpload.toLong() }
        })
        onDispose { core.setListener(null) }
    }
    val badge = syncBadge(pending, state)
    Row(Modifier.fillMaxWidth().semantics { contentDescription = badge.contentDescription }) {
        Text(
            (if (badge.tone == BadgeTone.Good) "✓ " else "• ") + badge.text,
            color = if (badge.tone == BadgeTone.Problem) Color(0xFFB00020) else Color.Unspecified,
        )
        Button(onClick = {
            scope.launch {
                runCatching { core.syncNow() }.onFailure { e ->
                    state = SyncState(false, 0u, 0u, 0uL, 0uL, 0uL, (e as? WalkbookException)?.message ?: e.toString())
                }
                pending = core.pendingUploadCount().toLong()
            }
        }, modifier = Modifier.semantics { contentDescription = "Sync now" }) { Text("Sync") }
    }
}

@Composable
fun JoinScreen(core: Walkbook, link: JoinLink?, joined: (trainingOnly: Boolean) -> Unit) {
    val scope = rememberCoroutineScope()
    var server by remember { mutableStateOf(link?.serverUrl ?: "https://") }
    var code by remember { mutableStateOf(link?.inviteCode ?: "") }
    var error by remember { mutableStateOf<String?>(null) }
    Column {
        org.walkbook.app.WalkbookApp.recoveryMessage?.let { Text(it, color = Color(0xFF8A4B00)) }
        Text("Join your campaign", style = MaterialTheme.typography.headlineSmall)
        OutlinedTextField(server, { server = it }, label = { Text("Server") })
        OutlinedTextField(code, { code = it }, label = { Text("Invite code (or scan the QR code)") })
        Button(onClick = {
            scope.launch {
                runCatching { core.join(server, code) }.onSuccess { joined(it.trainingOnly) }.onFailure { error = it.message }
            }
        }) { Text("Join") }
        error?.let { Text(it, color = Color(0xFFB00020)) }
    }
}

@Composable
fun AssignmentsScreen(core: Walkbook, campaign: Walkbook, practise: (Walkbook?) -> Unit, open: (AssignmentView) -> Unit) {
    if (!core.isPractice()) {
        val source = if (campaign.trainingOnly()) PracticeSource.TRAINING_PACKET else PracticeSource.THIS_PHONE
        Button(onClick = { PracticeStarter.start(campaign, source, practise) }) { Text("Practice shift (nothing counts)") }
    }
    LazyColumn {
        items(core.assignments()) { a ->
            val progress = if (a.kind == UnitKind.TURF) core.turfProgress(a.unitId).let { "${it.doorsKnocked}/${it.doorsTotal} doors" } else "call list"
            Text(
                "${a.unitId} · $progress · until ${java.time.Instant.ofEpochMilli(a.expiresAtMs)}",
                Modifier.fillMaxWidth().clickable { open(a) }.padding(vertical = 12.dp),
            )
        }
    }
}

@Composable
fun TurfScreen(core: Walkbook, assignment: AssignmentView, openDoor: (String) -> Unit) {
    val state = remember(assignment) { TurfModel(core, assignment.unitId).load() }
    Column {
        Text(state.progressText)
        Button(onClick = { state.nextDoor?.let(openDoor) }, enabled = state.nextDoor != null) { Text("Next door") }
        DoorMap(state.mapPoints, state.doorsWithoutCoordinates)
        LazyColumn {
            items(state.doors) { d ->
                Text(
                    "${d.address} — ${d.style.label}",
                    color = toneColor(d.style.tone),
                    modifier = Modifier.fillMaxWidth().clickable { openDoor(d.householdId) }.padding(vertical = 8.dp)
                        .semantics { contentDescription = "${d.address}, ${d.style.label}, ${d.peopleCount} people" },
                )
            }
        }
    }
}

/** A simple map: door coordinates as dots, no tile server. */
@Composable
fun DoorMap(points: List<Pair<Double, Double>>, missing: Int) {
    if (points.isEmpty()) return
    val minLat = points.minOf { it.first }; val maxLat = points.maxOf { it.first }
    val minLon = points.minOf { it.second }; val maxLon = points.maxOf { it.second }
    Canvas(Modifier.fillMaxWidth().height(180.dp).semantics { contentDescription = "Map of ${points.size} doors" }) {
        for ((lat, lon) in points) {
            val x = ((lon - minLon) / (maxLon - minLon).coerceAtLeast(1e-9)) * size.width
            val y = (1 - (lat - minLat) / (maxLat - minLat).coerceAtLeast(1e-9)) * size.height
            drawCircle(Color(0xFF37474F), radius = 6f, center = Offset(x.toFloat(), y.toFloat()))
        }
    }
    if (missing > 0) Text("$missing doors have no coordinates")
}

@Composable
fun DoorScreen(core: Walkbook, assignment: AssignmentView, householdId: String, done: () -> Unit) {
    // Every decision is the core's door view model (ADR 20): this renders
    // its view and forwards taps. A refused tap comes back as `message`,
    // never as an exception in onClick.
    val screen = remember(householdId) { core.openDoor(assignment.id, householdId) }
    var view by remember(householdId) { mutableStateOf(screen.view()) }
    var notes by rememberSaveable(householdId) { mutableStateOf("") }
    var picking by remember { mutableStateOf(false) }
    fun send(input: DoorInput) {
        view = runCatching { screen.send(input) }.getOrElse { e -> view.copy(message = (e as? WalkbookException)?.message ?: e.toString()) }
        if (view.done) done()
    }
    LazyColumn {
        item { Text(view.address, style = MaterialTheme.typography.titleLarge) }
        item { Text("Who answered?", style = MaterialTheme.typography.titleMedium) }
        items(view.people) { p ->
            Row(Modifier.fillMaxWidth().height(48.dp).clickable { send(DoorInput.ChoosePerson(p.id)) }
                .semantics { contentDescription = "${p.name}, ${p.status.replace('_', ' ')}${if (p.chosen) ", chosen" else ""}" }) {
                Text((if (p.chosen) "● " else "○ ") + "${p.name} — ${p.status.replace('_', ' ')}")
            }
        }
        view.question?.let { q ->
            item { Text(q.text, style = MaterialTheme.typography.titleMedium) }
            if (q.freeText) {
                item { OutlinedTextField(q.typed, { send(DoorInput.Text(q.id, it)) }, label = { Text(q.text) }) }
            } else {
                items(q.options) { o ->
                    Button(onClick = { send(DoorInput.Answer(q.id, o.id)) }, modifier = Modifier.height(48.dp)) {
                        Text((if (o.chosen) "✓ " else "") + o.label)
                    }
                }
            }
        }
        item { OutlinedTextField(notes, { notes = it; send(DoorInput.Notes(it)) }, label = { Text("Notes") }) }
        if (view.personChosen) {
            item { Button(onClick = { send(DoorInput.SaveConversation) }, enabled = view.canSaveConversation, modifier = Modifier.height(48.dp)) { Text("Save answers") } }
            items(view.personCodes) { r ->
                Button(onClick = { if (r.needsTime) picking = true else send(DoorInput.Record(r.id, false)) }, modifier = Modifier.height(48.dp)) { Text(r.label) }
            }
        }
        item { Text("The whole door", style = MaterialTheme.typography.titleMedium) }
        items(view.doorCodes) { r ->
            Button(onClick = { if (r.needsTime) picking = true else send(DoorInput.Record(r.id, true)) }, modifier = Modifier.height(48.dp)) { Text(r.label) }
        }
        if (picking) {
            // Come back: in 1, 2 or 4 hours, or tomorrow at this time.
            items(listOf(1L, 2L, 4L, 24L)) { h ->
                Button(onClick = {
                    send(DoorInput.ComeBackAt(System.currentTimeMillis() + h * 3_600_000L))
                    picking = false
                    send(DoorInput.Record("come_back", !view.personChosen))
                }, modifier = Modifier.height(48.dp)) { Text(if (h == 24L) "Tomorrow" else "In $h h") }
            }
        }
        view.saved?.let { saved ->
            item {
                Row {
                    Text(saved, Modifier.semantics { contentDescription = saved })
                    if (view.canUndo) Button(onClick = { send(DoorInput.Undo) }) { Text("Undo") }
                }
            }
        }
        view.message?.let { m -> item { Text(m, color = Color(0xFFB00020)) } }
        item { Button(onClick = { send(DoorInput.Skip) }, modifier = Modifier.height(48.dp)) { Text("Next door") } }
    }
}

@Composable
fun CallScreen(core: Walkbook, assignment: AssignmentView, dial: (String) -> Unit) {
    val model = remember(assignment) { CallModel(core, assignment.id, assignment.unitId) }
    var state by remember { mutableStateOf(model.next()) }
    var message by remember { mutableStateOf<String?>(null) }
    when (val s = state) {
        is CallScreenState.Contact -> Column {
            Text(s.name, style = MaterialTheme.typography.titleLarge)
            Button(onClick = {
                runCatching { dial(model.dialUri(s.personId)) }.onFailure { message = it.message }
            }, modifier = Modifier.semantics { contentDescription = "Call ${s.name} with your phone's dialler" }) { Text("Call") }
            core.resultCodes(assignment.id).forEach { r ->
                Button(onClick = {
                    model.record(s.personId, r.id, 0u, if (r.needsTime) System.currentTimeMillis() + 3_600_000 else null)
                    state = model.next()
                }) { Text(r.label) }
            }
        }
        is CallScreenState.Wait -> Text(s.text)
        CallScreenState.Done -> Text("Everyone on your list is done. Thank you!")
    }
    message?.let { Text(it, color = Color(0xFFB00020)) }
}
