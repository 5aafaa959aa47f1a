/* global window */
/** A short, quiet beep for a new reply, drawn with WebAudio (no file to load). Off unless the visitor turns it on. */
export function beep() {
  try {
    const AudioContext = window.AudioContext;
    if (!AudioContext) return;
    const audio = new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    gain.gain.value = 0.05;
    osc.frequency.value = 880;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.12);
    osc.onended = () => void audio.close();
  } catch {
    // No audio (policy or device): the badge is enough.
  }
}
