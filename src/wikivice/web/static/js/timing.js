// When things happened on this page (performance.now() ms), for people measuring it.
// The one global on purpose: bench/web.py and the browser tests read
// `window.wikiviceTimes` from outside the page, where no import reaches.
export const times = (window.wikiviceTimes ??= {});
