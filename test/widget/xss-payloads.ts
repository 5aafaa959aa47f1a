/**
 * Classic XSS payloads: each would set `window.__xss` (or run a script) if a page parsed it as
 * markup. The widget's and the console's browser tests type them in as names, messages and notes.
 */
export const xssPayloads = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  '<svg onload="window.__xss=3"></svg>',
  '"><iframe src="javascript:parent.__xss=4"></iframe>',
  '<a href="javascript:window.__xss=5" id="xss">click</a>',
  '{{ 7*7 }} ${7*7}',
];
