import { flowFiles, loadFlows } from './flows/load.js';
import { loadTranscripts, runTranscript, transcriptFiles } from './flows/transcript.js';
const flows = loadFlows(flowFiles(['config/flows']));
for (const t of loadTranscripts(transcriptFiles(['config/flows']))) for (const r of runTranscript(t, flows)) { console.log(r.passed ? '✓' : '✗', r.name); for (const f of r.failures) console.log(`  ${r.file}:${f.line}:${f.col}: ${f.message}`); }
