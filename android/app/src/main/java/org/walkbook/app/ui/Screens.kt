package org.walkbook.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.isSystemInDarkTheme
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
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
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
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import kotlinx.coroutines.delay
import org.walkbook.app.R
import org.walkbook.core.AssignmentView
import org.walkbook.core.BadgeTone
import org.walkbook.core.CallInput
import org.walkbook.core.CallScreenView
import org.walkbook.core.DoorInput
import org.walkbook.core.MapPointView
import org.walkbook.core.PracticeSource
import org.walkbook.core.SyncState
import org.walkbook.core.UnitKind
import org.walkbook.core.Walkbook
import org.walkbook.core.WalkbookException
import org.walkbook.core.WalkbookListener
import org.walkbook.core.badgeFor
import org.walkbook.core.errorText
import org.walkbook.core.joinScreen

/** Where the app is. Screens only render state and forward taps. */
sealed interface AppScreen {
    /** [link]: a deep link or scanned QR code's text, if the app was opened with one. */
    data class Join(val link: String?) : AppScreen
    data object Assignments : AppScreen
    data class Turf(val assignment: AssignmentView) : AppScreen
    data class Door(val assignment: AssignmentView, val householdId: String) : AppScreen
    data class Calls(val assignment: AssignmentView) : AppScreen
}

/** Status tones with text and icon alongside: high contrast in light and
 *  dark themes, never colour alone (the core sends the words). */
@Composable
private fun toneColor(tone: String): Color {
    val dark = isSystemInDarkTheme()
    return when (tone) {
        "done" -> if (dark) Color(0xFF81C784) else Color(0xFF1B5E20)
        "retry" -> warningColor()
        "stop", "problem" -> MaterialTheme.colorScheme.error
        else -> MaterialTheme.colorScheme.onSurface
    }
}

@Composable
private fun warningColor(): Color = if (isSystemInDarkTheme()) Color(0xFFFFB74D) else Color(0xFF8A4B00)

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
    state: org.walkbook.app.AppState,
    screen: AppScreen,
    navigate: (AppScreen) -> Unit,
    practise: (Walkbook?) -> Unit,
    dial: (String) -> Unit,
) {
    // Follows the phone's dark setting (the window theme does too).
    MaterialTheme(colorScheme = if (isSystemInDarkTheme()) darkColorScheme() else lightColorScheme()) {
        androidx.compose.material3.Surface(Modifier.fillMaxSize()) {
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
                is AppScreen.Door -> DoorScreen(state.door(core, screen.assignment.id, screen.householdId)) { navigate(AppScreen.Turf(screen.assignment)) }
                is AppScreen.Calls -> CallScreen(state.call(core, screen.assignment.id), dial)
            }
        }
        }
    }
}

/** On every practice screen: what this is, and the way out. */
@Composable
fun PracticeBanner(leave: () -> Unit) {
    val practiceDescription = stringResource(R.string.practice_banner_description)
    Row(
        Modifier.fillMaxWidth().padding(vertical = 8.dp)
            .semantics { contentDescription = practiceDescription },
    ) {
        Text(stringResource(R.string.practice_banner), color = warningColor())
        Button(onClick = leave, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.leave_practice)) }
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
    val badge = badgeFor(pending.toULong(), state, java.util.Locale.getDefault().toLanguageTag())
    val syncNow = stringResource(R.string.sync_now)
    Row(Modifier.fillMaxWidth().semantics { contentDescription = badge.description }) {
        Text(
            (if (badge.tone == BadgeTone.GOOD) "✓ " else "• ") + badge.text,
            color = if (badge.tone == BadgeTone.PROBLEM) MaterialTheme.colorScheme.error else Color.Unspecified,
        )
        Button(onClick = {
            scope.launch {
                runCatching { core.syncNow() }.onFailure { e ->
                    state = SyncState(false, 0u, 0u, 0uL, 0uL, 0uL, (e as? WalkbookException)?.let(::errorText) ?: e.toString())
                }
                pending = core.pendingUploadCount().toLong()
            }
        }, modifier = Modifier.height(48.dp).semantics { contentDescription = syncNow }) { Text(stringResource(R.string.sync)) }
    }
}

@Composable
fun JoinScreen(core: Walkbook, link: String?, joined: (trainingOnly: Boolean) -> Unit) {
    // The core reads the link and decides whether Join is allowed (ADR 20).
    val scope = rememberCoroutineScope()
    var text by rememberSaveable { mutableStateOf(link ?: "") }
    var error by remember { mutableStateOf<String?>(null) }
    val view = joinScreen(text, java.util.Locale.getDefault().toLanguageTag())
    Column {
        org.walkbook.app.WalkbookApp.recoveryMessage?.let { Text(it, color = warningColor()) }
        Text(stringResource(R.string.join_title), style = MaterialTheme.typography.headlineSmall)
        OutlinedTextField(text, { text = it; error = null }, label = { Text(stringResource(R.string.join_link)) })
        var scanning by rememberSaveable { mutableStateOf(false) }
        Button(onClick = { scanning = !scanning }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.join_scan)) }
        if (scanning) QrScanner { scanned -> text = scanned; scanning = false }
        view.serverHost?.let { Text(stringResource(R.string.join_server, it)) }
        view.problem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        Button(onClick = {
            scope.launch {
                runCatching { core.join(view.serverUrl!!, view.inviteCode!!) }
                    .onSuccess { joined(it.trainingOnly) }
                    .onFailure { error = (it as? WalkbookException)?.let(::errorText) ?: it.toString() }
            }
        }, enabled = view.canJoin, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.join)) }
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
    }
}

@Composable
fun AssignmentsScreen(core: Walkbook, campaign: Walkbook, practise: (Walkbook?) -> Unit, open: (AssignmentView) -> Unit) {
    if (!core.isPractice()) {
        val source = if (campaign.trainingOnly()) PracticeSource.TRAINING_PACKET else PracticeSource.THIS_PHONE
        Button(onClick = { PracticeStarter.start(campaign, source, practise) }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.practice_shift)) }
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
    val view = remember(assignment) { core.turfScreen(assignment.unitId, null) }
    Column {
        Text(view.progress)
        Button(onClick = { view.nextDoor?.let(openDoor) }, enabled = view.nextDoor != null, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.next_door)) }
        DoorMap(view.mapPoints, view.doorsWithoutCoordinates.toInt())
        LazyColumn {
            items(view.doors) { d ->
                Text(
                    "${d.address} — ${d.status}",
                    color = toneColor(d.tone),
                    modifier = Modifier.fillMaxWidth().height(48.dp).clickable { openDoor(d.householdId) }
                        .semantics { contentDescription = d.description },
                )
            }
        }
    }
}

/** A simple map: door coordinates as dots, no tile server. */
@Composable
fun DoorMap(points: List<MapPointView>, missing: Int) {
    if (points.isEmpty()) return
    val minLat = points.minOf { it.lat }; val maxLat = points.maxOf { it.lat }
    val minLon = points.minOf { it.lon }; val maxLon = points.maxOf { it.lon }
    val mapDescription = stringResource(R.string.map_description, points.size)
    val dot = MaterialTheme.colorScheme.onSurface
    Canvas(Modifier.fillMaxWidth().height(180.dp).semantics { contentDescription = mapDescription }) {
        for (p in points) {
            val x = ((p.lon - minLon) / (maxLon - minLon).coerceAtLeast(1e-9)) * size.width
            val y = (1 - (p.lat - minLat) / (maxLat - minLat).coerceAtLeast(1e-9)) * size.height
            drawCircle(dot, radius = 6f, center = Offset(x.toFloat(), y.toFloat()))
        }
    }
    if (missing > 0) Text(stringResource(R.string.no_coordinates, missing))
}

@Composable
fun DoorScreen(screen: org.walkbook.core.DoorScreen, done: () -> Unit) {
    // Every decision is the core's door view model (ADR 20): this renders
    // its view and forwards taps. A refused tap comes back as `message`,
    // never as an exception in onClick.
    // The screen object lives in AppState (a ViewModel), so a rotation
    // keeps the chosen person, the answers and the notes.
    var view by remember(screen) { mutableStateOf(screen.view()) }
    var notes by rememberSaveable { mutableStateOf(view.notes) }
    // The result waiting for its come-back time: (code, whole door).
    var picking by remember { mutableStateOf<Pair<String, Boolean>?>(null) }
    val chosenWord = stringResource(R.string.chosen)
    fun send(input: DoorInput) {
        view = runCatching { screen.send(input) }.getOrElse { e -> view.copy(message = (e as? WalkbookException)?.let(::errorText) ?: e.toString()) }
        if (view.done) done()
    }
    DoorLocation { lat, lon, accuracy -> view = runCatching { screen.send(DoorInput.Location(lat, lon, accuracy)) }.getOrDefault(view) }
    LazyColumn {
        item { Text(view.address, style = MaterialTheme.typography.titleLarge) }
        item { Text(stringResource(R.string.who_answered), style = MaterialTheme.typography.titleMedium) }
        items(view.people) { p ->
            Row(Modifier.fillMaxWidth().height(48.dp).clickable { send(DoorInput.ChoosePerson(p.id)) }
                .semantics { contentDescription = "${p.name}, ${p.statusLabel}${if (p.chosen) ", $chosenWord" else ""}" }) {
                Text((if (p.chosen) "● " else "○ ") + "${p.name} — ${p.statusLabel}")
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
        item { OutlinedTextField(notes, { notes = it; send(DoorInput.Notes(it)) }, label = { Text(stringResource(R.string.notes)) }) }
        if (view.personChosen) {
            item { Button(onClick = { send(DoorInput.SaveConversation) }, enabled = view.canSaveConversation, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.save_answers)) } }
            items(view.personCodes) { r ->
                Button(onClick = { if (r.needsTime) picking = r.id to false else send(DoorInput.Record(r.id, false)) }, modifier = Modifier.height(48.dp)) { Text(r.label) }
            }
        }
        item { Text(stringResource(R.string.whole_door), style = MaterialTheme.typography.titleMedium) }
        items(view.doorCodes) { r ->
            Button(onClick = { if (r.needsTime) picking = r.id to true else send(DoorInput.Record(r.id, true)) }, modifier = Modifier.height(48.dp)) { Text(r.label) }
        }
        picking?.let { (code, wholeDoor) ->
            // Come back: the times the core offers (in the campaign's zone).
            item { Text(stringResource(R.string.come_back), style = MaterialTheme.typography.titleMedium) }
            items(view.comeBackChoices) { t ->
                Button(onClick = {
                    send(DoorInput.ComeBackAt(t.atMs))
                    picking = null
                    send(DoorInput.Record(code, wholeDoor))
                }, modifier = Modifier.height(48.dp)) { Text(t.label) }
            }
        }
        view.saved?.let { saved ->
            item {
                Row {
                    Text(saved, Modifier.semantics { contentDescription = saved })
                    if (view.canUndo) Button(onClick = { send(DoorInput.Undo) }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.undo)) }
                }
            }
        }
        view.message?.let { m -> item { Text(m, color = MaterialTheme.colorScheme.error) } }
        item { Button(onClick = { send(DoorInput.Skip) }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.next_door)) } }
    }
}

@Composable
fun CallScreen(screen: org.walkbook.core.CallScreen, dial: (String) -> Unit) {
    // Every decision is the core's call view model: who is next, the
    // caller-ID notice, the number only at Call, the timer, call-back
    // times, undo. This renders its view and forwards taps.
    var view by remember(screen) { mutableStateOf(screen.view(null)) }
    fun send(input: CallInput) {
        view = runCatching { screen.send(input) }.getOrElse { e -> view.copy(message = (e as? WalkbookException)?.let(::errorText) ?: e.toString()) }
        view.openDialler?.let(dial)
    }
    // The timer: re-render every second while a call is on.
    LaunchedEffect(view.inCall) {
        while (view.inCall) { delay(1_000); view = screen.view(null) }
    }
    LazyColumn {
        item { Text(view.listName, style = MaterialTheme.typography.titleMedium) }
        view.callerIdNotice?.let { notice ->
            item { Text(notice) }
            item { Button(onClick = { send(CallInput.ReadCallerIdNotice) }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.understood)) } }
        }
        view.waitText?.let { item { Text(it) } }
        if (view.finished) item { Text(stringResource(R.string.list_done)) }
        view.contact?.let { c ->
            item { Text(c.name, style = MaterialTheme.typography.titleLarge) }
            item { Text(stringResource(R.string.their_time, c.localTime) + " · " + c.statusLabel) }
            item {
                Row {
                    val callDescription = stringResource(R.string.call_description, c.name)
                    Button(onClick = { send(CallInput.Dial(null)) }, enabled = view.canDial, modifier = Modifier.height(48.dp)
                        .semantics { contentDescription = callDescription }) { Text(stringResource(R.string.call)) }
                    if (view.inCall) Button(onClick = { send(CallInput.HangUp(null)) }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.call_ended)) }
                    view.timer?.let { t ->
                        val length = stringResource(R.string.call_length, t)
                        Text(t, Modifier.semantics { contentDescription = length })
                    }
                }
            }
            item { Text(view.intro) }
            view.question?.let { q -> callQuestion(q) { send(it) } }
            item { OutlinedTextField(view.notes, { send(CallInput.Notes(it)) }, label = { Text(stringResource(R.string.notes)) }) }
            item { Button(onClick = { send(CallInput.SaveConversation(null)) }, enabled = view.canSaveConversation, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.save_answers)) } }
            items(view.codes) { r ->
                Button(onClick = { send(CallInput.Record(r.id, null)) }, modifier = Modifier.height(48.dp)) { Text(r.label) }
            }
            if (view.codes.any { it.needsTime }) {
                item { Text(stringResource(R.string.call_back), style = MaterialTheme.typography.titleMedium) }
                items(view.callBackChoices) { t ->
                    Button(onClick = { send(CallInput.CallBackAt(t.atMs)) }, modifier = Modifier.height(48.dp)) {
                        Text((if (view.callBackAtMs == t.atMs) "✓ " else "") + t.label)
                    }
                }
            }
            view.saved?.let { saved ->
                item {
                    Row {
                        Text(saved)
                        if (view.canUndo) Button(onClick = { send(CallInput.Undo) }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.undo)) }
                    }
                }
            }
            item {
                Row {
                    Button(onClick = { send(CallInput.Next(null)) }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.next_call)) }
                    Button(onClick = { send(CallInput.Skip(null)) }, modifier = Modifier.height(48.dp)) { Text(stringResource(R.string.skip)) }
                }
            }
        }
        view.message?.let { m -> item { Text(m, color = MaterialTheme.colorScheme.error) } }
    }
}

/** The call script's question: option buttons, or a text box. */
private fun androidx.compose.foundation.lazy.LazyListScope.callQuestion(q: org.walkbook.core.PromptView, send: (CallInput) -> Unit) {
    item { Text(q.text, style = MaterialTheme.typography.titleMedium) }
    if (q.freeText) {
        item { OutlinedTextField(q.typed, { send(CallInput.Text(q.id, it)) }, label = { Text(q.text) }) }
    } else {
        items(q.options) { o ->
            Button(onClick = { send(CallInput.Answer(q.id, o.id)) }, modifier = Modifier.height(48.dp)) {
                Text((if (o.chosen) "✓ " else "") + o.label)
            }
        }
    }
}
