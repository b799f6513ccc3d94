/** The one stylesheet of every report page (inline; system fonts only, so nothing is fetched). */
export const REPORT_STYLES = `
:root {
  --bg: #f7f8fa; --panel: #fff; --fg: #1d2330; --muted: #5d6675; --line: #dfe3ea; --accent: #2f5fd0;
  --ok: #1f8a4c; --ok-bg: #e3f5ea; --bad: #c23b32; --bad-bg: #fbe7e5; --warn: #a86a00; --warn-bg: #fff2d6;
  --idle: #8b93a1; --idle-bg: #eef0f3; --remote: #6b3fc4; --remote-bg: #efe8fc;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171d; --panel: #1c2029; --fg: #e3e7ee; --muted: #9aa3b2; --line: #2d3340; --accent: #7aa2ff;
    --ok: #5fd08e; --ok-bg: #173325; --bad: #ff8a80; --bad-bg: #3a1d1b; --warn: #ffc25c; --warn-bg: #3a2d12;
    --idle: #8b93a1; --idle-bg: #262b35; --remote: #b99cff; --remote-bg: #2a2140;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); }
header.top { background: var(--panel); border-bottom: 1px solid var(--line); padding: 16px 24px 12px; }
header.top h1 { font-size: 20px; margin: 0 12px 0 0; display: inline; }
.title { display: flex; align-items: center; flex-wrap: wrap; gap: 8px; }
.subtitle { color: var(--muted); font-family: var(--mono); font-size: 12px; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 6px 18px; margin: 12px 0 0; }
dl.facts div { min-width: 0; }
dl.facts.sides { grid-template-columns: 1fr 1fr; }
dl.facts dt { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .04em; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
nav.sections { position: sticky; top: 0; z-index: 5; background: var(--panel); border-bottom: 1px solid var(--line); padding: 6px 24px; display: flex; gap: 14px; flex-wrap: wrap; }
nav.sections a { text-decoration: none; font-size: 13px; }
main { padding: 8px 24px 40px; max-width: 1500px; }
section { scroll-margin-top: 44px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin: 14px 0; }
section h2 { font-size: 16px; margin: 0 0 10px; }
section h3 { font-size: 13px; margin: 14px 0 6px; color: var(--muted); }
.note { color: var(--muted); font-size: 12px; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 10px; font-size: 12px; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.state-success { color: var(--ok); background: var(--ok-bg); }
.state-failed { color: var(--bad); background: var(--bad-bg); }
.state-running, .state-incomplete { color: var(--warn); background: var(--warn-bg); }
.state-not_run, .state-unknown { color: var(--idle); background: var(--idle-bg); }
.badge.local { color: var(--accent); border-color: var(--accent); background: transparent; }
.badge.remote { color: var(--remote); background: var(--remote-bg); }
.error-box { margin-top: 12px; border-left: 4px solid var(--bad); background: var(--bad-bg); padding: 8px 12px; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; font-family: var(--mono); font-size: 12.5px; max-height: 16em; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; }
td.mono, .mono { font-family: var(--mono); font-size: 12.5px; }
td.step-id, td.nowrap, dl.facts dd .mono { white-space: nowrap; }
td.err { color: var(--bad); font-family: var(--mono); font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; max-width: 520px; }
td.err .err-text { display: block; max-height: 9em; overflow: auto; }
.table-scroll { overflow: auto; max-height: 640px; }
button, select, input { font: inherit; color: inherit; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 3px 8px; }
button { cursor: pointer; }
button:hover { border-color: var(--accent); }
button.link { border: 0; padding: 0; color: var(--accent); background: none; text-decoration: underline; font-size: 12px; }
.graph-scroll { overflow: auto; max-height: 560px; border: 1px solid var(--line); border-radius: 6px; }
svg text { font-family: system-ui, sans-serif; }
.node rect { stroke-width: 1.5; }
.node.state-success rect { fill: var(--ok-bg); stroke: var(--ok); }
.node.state-failed rect { fill: var(--bad-bg); stroke: var(--bad); }
.node.state-running rect { fill: var(--warn-bg); stroke: var(--warn); }
.node.state-not_run rect { fill: var(--idle-bg); stroke: var(--idle); stroke-dasharray: 4 3; }
.node text { fill: var(--fg); font-size: 12px; }
.node text.sub { fill: var(--muted); font-size: 10px; }
.edge { fill: none; stroke: var(--idle); stroke-width: 1.3; }
.timeline { overflow: auto; max-height: 560px; }
.tl-axis, .tl-row { display: grid; grid-template-columns: 220px 1fr 90px; gap: 8px; align-items: center; }
.tl-row { height: 22px; }
.tl-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: var(--mono); font-size: 12px; }
.tl-track { position: relative; height: 14px; background: var(--idle-bg); border-radius: 3px; }
.tl-bar { position: absolute; top: 0; bottom: 0; min-width: 2px; border-radius: 3px; }
.tl-bar.state-success { background: var(--ok); }
.tl-bar.state-failed { background: var(--bad); }
.tl-bar.state-running { background: var(--warn); }
.tl-time { font-size: 12px; color: var(--muted); text-align: right; }
.tl-axis { font-size: 11px; color: var(--muted); }
.tl-axis .ticks { display: flex; justify-content: space-between; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.chart .bar { fill: var(--accent); }
.chart .bar.state-failed { fill: var(--bad); }
.chart text { fill: var(--fg); font-size: 11px; }
.chart text.val { fill: var(--muted); }
.stack { display: flex; height: 22px; border-radius: 4px; overflow: hidden; margin: 8px 0; }
.stack span { display: block; min-width: 2px; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 8px; }
.filters input[type=search] { min-width: 260px; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin: 6px 0 10px; }
.chip { font-size: 12px; border-radius: 999px; padding: 1px 9px; }
.chip[aria-pressed=true] { background: var(--accent); color: #fff; border-color: var(--accent); }
.chip .n { color: var(--muted); margin-left: 4px; }
.chip[aria-pressed=true] .n { color: #fff; }
.ev-layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(260px, 34%); gap: 10px; }
.ev-viewport { position: relative; height: 480px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; font-family: var(--mono); font-size: 12px; }
.ev-spacer { position: relative; width: 100%; }
.ev-row { position: absolute; left: 0; right: 0; height: 22px; line-height: 22px; padding: 0 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; border-bottom: 1px solid var(--line); }
.ev-row:hover { background: var(--idle-bg); }
.ev-row.selected { background: var(--remote-bg); }
.ev-row span { margin-right: 10px; }
.ev-row .n { color: var(--muted); display: inline-block; min-width: 48px; text-align: right; }
.ev-row .t { color: var(--muted); }
.ev-row .e { font-weight: 600; }
.ev-row .e.bad { color: var(--bad); }
.ev-row .s { color: var(--remote); }
.ev-detail { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; height: 480px; overflow: auto; font-size: 12px; }
pre { font-family: var(--mono); font-size: 12px; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); padding: 8px 10px; border-radius: 6px; max-height: 520px; overflow: auto; margin: 6px 0; }
ul.tree { list-style: none; padding-left: 16px; margin: 2px 0; }
ul.tree.root { padding-left: 0; }
ul.tree li { margin: 2px 0; }
details > summary { cursor: pointer; }
.file-meta { color: var(--muted); font-size: 12px; margin-left: 8px; }
.verdict { font-size: 18px; font-weight: 700; padding: 12px 16px; border-radius: 8px; margin: 12px 0; }
.verdict.equal { background: var(--ok-bg); color: var(--ok); }
.verdict.different { background: var(--bad-bg); color: var(--bad); }
tr.diff td { background: var(--bad-bg); }
tr.ignored td { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; padding: 0 24px 24px; }
`;
