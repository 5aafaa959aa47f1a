/**
 * The widget's styles, adopted by its shadow root as a constructed stylesheet: no inline style
 * attributes and no <style> element, so a host page's CSP needs no 'unsafe-inline' for them.
 * The account's colour comes in as the custom property --sb-color (set through the CSSOM).
 */
export const css = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
[hidden] { display: none !important; }
.sb-root { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; font-size: 15px; line-height: 1.4; color: #1d2330; }
.sb-root[data-position="left"] { right: auto; left: 20px; }
button { font: inherit; cursor: pointer; }
button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.sb-bubble { width: 60px; height: 60px; border-radius: 50%; border: 0; background: var(--sb-color, #0b6bcb); color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); position: relative; display: inline-flex; align-items: center; justify-content: center; }
.sb-badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px; background: #d4351c; color: #fff; font-size: 13px; line-height: 22px; font-weight: 700; }
.sb-panel { position: absolute; bottom: 76px; right: 0; width: 370px; height: min(600px, calc(100vh - 110px)); display: flex; flex-direction: column; background: #fff; border-radius: 14px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; }
.sb-root[data-position="left"] .sb-panel { right: auto; left: 0; }
.sb-head { display: flex; align-items: center; gap: 8px; padding: 12px 14px; background: var(--sb-color, #0b6bcb); color: #fff; position: relative; }
.sb-head h2 { flex: 1; margin: 0; font-size: 16px; font-weight: 600; }
.sb-status { font-size: 12px; opacity: .9; }
.sb-icon { background: transparent; border: 0; color: #fff; font-size: 20px; width: 32px; height: 32px; border-radius: 6px; }
.sb-menu { position: absolute; top: 52px; right: 10px; background: #fff; color: #1d2330; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.2); display: flex; flex-direction: column; min-width: 200px; z-index: 1; }
.sb-menu button { background: none; border: 0; text-align: left; padding: 10px 14px; }
.sb-menu button:hover { background: #f0f3f7; }
.sb-log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 8px; background: #f7f8fa; }
.sb-greeting, .sb-note { margin: 0; color: #505a6b; font-size: 14px; }
/* The messages' own column, so a visitor's messages keep to the right (align-self needs a flex parent). */
.sb-list { display: flex; flex-direction: column; gap: 8px; }
.sb-msg { max-width: 85%; display: flex; flex-direction: column; gap: 6px; }
.sb-text { margin: 0; padding: 8px 12px; border-radius: 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.sb-out { align-self: flex-start; }
.sb-out .sb-text { background: #fff; border: 1px solid #e1e5ea; }
.sb-in { align-self: flex-end; }
.sb-in .sb-text { background: var(--sb-color, #0b6bcb); color: #fff; }
.sb-pending .sb-text { opacity: .6; }
.sb-failed .sb-text { outline: 2px solid #d4351c; }
.sb-system .sb-text { background: #eef1f5; border: 0; font-size: 13px; }
.sb-name { font-size: 12px; color: #5b6673; }
.sb-choices { display: flex; flex-wrap: wrap; gap: 6px; }
.sb-choices button { border: 1px solid var(--sb-color, #0b6bcb); color: var(--sb-color, #0b6bcb); background: #fff; border-radius: 16px; padding: 5px 12px; }
.sb-stale .sb-choices, .sb-stale .sb-form { display: none; }
.sb-notice, .sb-form { background: #fff; border: 1px solid #e1e5ea; border-radius: 12px; padding: 12px; display: flex; flex-direction: column; gap: 6px; }
.sb-notice p, .sb-form-title { margin: 0; font-size: 14px; }
.sb-notice a { color: var(--sb-color, #0b6bcb); }
.sb-field { font-size: 13px; font-weight: 600; margin-top: 4px; }
.sb-form input:not([type="checkbox"]), .sb-form select, .sb-composer input { width: 100%; padding: 8px 10px; border: 1px solid #b6bfcc; border-radius: 8px; font: inherit; }
.sb-form input[aria-invalid="true"] { border-color: #d4351c; }
.sb-error { color: #d4351c; font-size: 13px; }
.sb-error:empty { display: none; }
.sb-consent { display: flex; gap: 8px; align-items: flex-start; font-size: 13px; }
.sb-submit, .sb-primary, .sb-composer button { background: var(--sb-color, #0b6bcb); color: #fff; border: 0; border-radius: 8px; padding: 8px 14px; }
.sb-submit:disabled { opacity: .6; }
.sb-transcript { padding: 8px 14px; background: #f7f8fa; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 13px; }
.sb-transcript p { margin: 0; width: 100%; }
.sb-transcript-form { display: flex; gap: 6px; width: 100%; }
.sb-transcript-form input { flex: 1; min-width: 0; }
.sb-link { background: none; border: none; color: inherit; text-decoration: underline; cursor: pointer; }
.sb-error { color: #b00020; }
.sb-queue { margin: 0; padding: 8px 14px; background: #eef4ff; color: #1f3b73; font-size: 13px; }
.sb-extra { padding: 0 14px 10px; background: #f7f8fa; max-height: 55%; overflow-y: auto; }
.sb-composer { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e1e5ea; background: #fff; }
.sb-composer input:disabled { background: #f0f3f7; }
.sb-typing { align-self: flex-start; padding: 8px 12px; background: #fff; border: 1px solid #e1e5ea; border-radius: 12px; letter-spacing: 3px; }
.sb-visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
@media (max-width: 480px) {
  .sb-root { bottom: 12px; right: 12px; }
  .sb-root[data-position="left"] { left: 12px; }
  .sb-root.sb-open { inset: 0; }
  .sb-root.sb-open .sb-bubble { display: none; }
  .sb-panel { position: fixed; inset: 0; width: 100%; height: 100%; border-radius: 0; }
}
`;
