// Draws one turn's latency waterfall as SVG: one bar per stage, from the caller's last word.
"use strict";
const STAGES = [
  ["turn_decided_ms", "turn decided", "#8aa8c8"],
  ["transcript_ms", "transcript", "#6f8fb5"],
  ["llm_first_token_ms", "LLM first token", "#c99a3d"],
  ["first_sentence_ms", "first sentence", "#b88a2e"],
  ["first_tts_audio_ms", "TTS first audio", "#5a9c72"],
  ["first_audio_out_ms", "first audio out (A2A)", "#2f8a57"],
  ["first_reply_out_ms", "the answer itself", "#1f6b42"],
];

function drawWaterfall(container, turn) {
  const NS = "http://www.w3.org/2000/svg";
  const rows = STAGES.filter(([key]) => typeof turn[key] === "number");
  const maxMs = Math.max(500, ...rows.map(([key]) => turn[key]));
  const width = 620, label = 150, rowH = 16, height = rows.length * rowH + 18;
  const scale = (width - label - 60) / maxMs;
  const div = document.createElement("div");
  div.className = "waterfall";
  const title = document.createElement("div");
  title.className = "title";
  const a2a = typeof turn.a2a_ms === "number" ? `${Math.round(turn.a2a_ms)} ms` : "–";
  title.textContent = `Turn ${turn.turn}: A2A ${a2a}` + (turn.interrupted ? " (barged in)" : "")
    + (turn.filler ? " (filler first)" : "");
  div.appendChild(title);
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title.textContent);
  rows.forEach(([key, name, color], i) => {
    const y = i * rowH;
    const ms = Math.max(0, turn[key]);
    const text = document.createElementNS(NS, "text");
    text.setAttribute("x", 0);
    text.setAttribute("y", y + 12);
    text.textContent = name;
    svg.appendChild(text);
    const bar = document.createElementNS(NS, "rect");
    bar.setAttribute("x", label);
    bar.setAttribute("y", y + 3);
    bar.setAttribute("height", rowH - 5);
    bar.setAttribute("width", Math.max(1, ms * scale));
    bar.setAttribute("fill", color);
    svg.appendChild(bar);
    const value = document.createElementNS(NS, "text");
    value.setAttribute("x", label + ms * scale + 4);
    value.setAttribute("y", y + 12);
    value.textContent = `${Math.round(turn[key])}`;
    svg.appendChild(value);
  });
  const axis = document.createElementNS(NS, "text");
  axis.setAttribute("x", label);
  axis.setAttribute("y", height - 2);
  axis.textContent = `0 … ${Math.round(maxMs)} ms`;
  svg.appendChild(axis);
  div.appendChild(svg);
  container.prepend(div);
}
