// The talk page: WebRTC audio both ways, events on a data channel, captions, state, waterfalls.
// No framework and no build step; the page knows the server's URL and the call token, nothing else.
"use strict";
const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
let pc = null, channel = null, micTrack = null, recorder = null, recorded = [];
let agentLine = null;

function setState(state) {
  const el = $("state");
  el.className = "state " + state;
  el.textContent = state.replace("_", " ");
}

function status(text) { $("status").textContent = text; }

function addLine(who, text) {
  const li = document.createElement("li");
  li.className = who;
  const tag = document.createElement("span");
  tag.className = "who";
  tag.textContent = who === "caller" ? "you" : "agent";
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  li.append(tag, body);
  $("transcript").appendChild(li);
  li.scrollIntoView({ block: "nearest" });
  return li;
}

// The session's events, as the server sends them (see docs/transports.md).
function onEvent(ev) {
  switch (ev.type) {
    case "agent_state_changed": setState(ev.new); break;
    case "user_transcript":
      if (ev.final) { $("partial").textContent = ""; if (ev.text) addLine("caller", ev.text); }
      else $("partial").textContent = ev.text + " …";
      break;
    case "agent_speech_started":
      agentLine = addLine("agent", "…");
      break;
    case "agent_speech_progress":
      // Live caption: the words heard so far, one more each time the audio has played it.
      (agentLine || (agentLine = addLine("agent", ""))).querySelector(".text").textContent = ev.text;
      break;
    case "agent_speech_finished": {
      // What the caller heard: a barge-in cuts the line where the caller stopped hearing it.
      const line = agentLine || addLine("agent", "");
      line.querySelector(".text").textContent = ev.text || "(nothing heard)";
      if (ev.interrupted) {
        const cut = document.createElement("span");
        cut.className = "cut";
        cut.textContent = " — cut off";
        line.appendChild(cut);
      }
      agentLine = null;
      break;
    }
    case "turn_completed": drawWaterfall($("waterfalls"), ev.metrics); break;
    case "tool_called": status("tool: " + ev.name); break;
    case "clear": status("barge-in: queued agent audio dropped"); break;
    case "session_error": status("agent error: " + ev.error); break;
    case "error": status("error: " + ev.message); break;
    case "call_ended": status("call ended (" + ev.reason + ")"); hangUp(); break;
  }
}

async function waitForIce(pc) {
  if (pc.iceGatheringState === "complete") return;
  await new Promise((resolve) => {
    const check = () => { if (pc.iceGatheringState === "complete") resolve(); };
    pc.addEventListener("icegatheringstatechange", check);
    setTimeout(resolve, 3000);  // host candidates are enough on a LAN; do not wait forever
  });
}

async function start() {
  $("call").disabled = true;
  status("asking for the microphone…");
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  micTrack = stream.getAudioTracks()[0];
  applyMode();
  pc = new RTCPeerConnection();
  pc.addTrack(micTrack, stream);
  channel = pc.createDataChannel("events");
  channel.onmessage = (m) => onEvent(JSON.parse(m.data));
  pc.ontrack = (e) => {
    const remote = e.streams[0] || new MediaStream([e.track]);
    $("agent").srcObject = remote;
    if (params.get("record") === "1") {
      recorder = new MediaRecorder(remote, { mimeType: "audio/webm;codecs=opus" });
      recorder.ondataavailable = (d) => { if (d.data.size) recorded.push(d.data); };
      recorder.start(250);
    }
  };
  pc.onconnectionstatechange = () => {
    status(pc.connectionState);
    if (["failed", "closed", "disconnected"].includes(pc.connectionState)) setState("idle");
  };
  await pc.setLocalDescription(await pc.createOffer());
  await waitForIce(pc);
  status("connecting…");
  const query = params.get("token") ? "?token=" + encodeURIComponent(params.get("token")) : "";
  const reply = await fetch("offer" + query, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
  });
  if (!reply.ok) {
    status("the server refused the call: " + reply.status);
    $("call").disabled = false;
    return;
  }
  await pc.setRemoteDescription(await reply.json());
  setState("listening");
  const button = $("call");
  button.textContent = "Hang up";
  button.classList.add("live");
  button.disabled = false;
  button.onclick = hangUp;
}

function hangUp() {
  if (channel && channel.readyState === "open") channel.send(JSON.stringify({ type: "hangup" }));
  if (recorder && recorder.state !== "inactive") recorder.stop();
  if (pc) pc.close();
  if (micTrack) micTrack.stop();
  setState("idle");
  const button = $("call");
  button.textContent = "Start call";
  button.classList.remove("live");
  button.onclick = start;
}

// Press to talk: the microphone sends silence unless the button (or space) is held.
function mode() { return document.querySelector("input[name=mode]:checked").value; }
function applyMode() {
  const ptt = mode() === "ptt";
  $("ptt").disabled = !ptt;
  if (micTrack) micTrack.enabled = !ptt;
}
function talking(on) { if (micTrack && mode() === "ptt") micTrack.enabled = on; }
document.querySelectorAll("input[name=mode]").forEach((r) => r.addEventListener("change", applyMode));
$("ptt").addEventListener("pointerdown", () => talking(true));
$("ptt").addEventListener("pointerup", () => talking(false));
$("ptt").addEventListener("pointerleave", () => talking(false));
document.addEventListener("keydown", (e) => { if (e.code === "Space" && !e.repeat) talking(true); });
document.addEventListener("keyup", (e) => { if (e.code === "Space") talking(false); });
$("call").onclick = start;

// For automation (the end-to-end test): the agent's audio as recorded, base64 WebM/Opus.
window.quickturnTalk = {
  async recording() {
    if (recorder && recorder.state !== "inactive") {
      await new Promise((resolve) => { recorder.onstop = resolve; recorder.stop(); });
    }
    const buf = new Uint8Array(await new Blob(recorded, { type: "audio/webm" }).arrayBuffer());
    let bin = "";
    for (let i = 0; i < buf.length; i += 0x8000) {
      bin += String.fromCharCode.apply(null, buf.subarray(i, i + 0x8000));
    }
    return btoa(bin);
  },
};
if (params.get("autostart") === "1") start().catch((e) => status("error: " + e));
