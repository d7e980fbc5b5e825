/** HTML and DOM vocabulary the XSS detector reasons with (from the HTML and DOM specifications). */

/** Elements that run script, load active content, change how the page parses, or restyle it. */
export const ACTIVE_TAGS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'meta', 'link', 'style',
  'svg', 'math', 'xml', 'import', 'bgsound', 'layer', 'ilayer', 'isindex', 'form', 'html', 'body', 'head',
  'title', 'template', 'noscript', 'noembed', 'noframes', 'xmp', 'plaintext', 'textarea', 'xss', 'vmlframe',
  'handler', 'listener', 'animate', 'animatetransform', 'animatemotion', 'set', 'foreignobject', 'portal',
  'marquee', 'video', 'audio', 'source', 'track', 'image', 'comment', 'blink', 'param', 'keygen', 'xsl',
  'xsl:stylesheet', 'xsl:template', 'xsl:value-of', 'xmlns', 'x', 'dialog', 'details', 'picture', 'canvas',
  'input', 'button', 'select', 'option', 'isindex', 'event-source', 'eventsource', 'discard', 'use', 'feimage',
  'html:script', 'svg:script', 'a:script', 'x:script', 'htmlscript', 'xmp', 'stylesheet', 'transform', 'binding',
]);

/** Raw-text and escapable raw-text elements: closing one breaks out of the context a value was put in. */
export const RAW_TEXT_TAGS = new Set(['script', 'style', 'title', 'textarea', 'noscript', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext', 'template', 'svg', 'math', 'object']);

/** Ordinary formatting and structure elements (still markup injection, but inert without attributes). */
export const PASSIVE_TAGS = new Set([
  'a', 'abbr', 'address', 'article', 'aside', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center',
  'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'fieldset', 'figcaption',
  'figure', 'font', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'i', 'img', 'ins', 'kbd',
  'label', 'legend', 'li', 'main', 'map', 'area', 'mark', 'nav', 'ol', 'p', 'pre', 'q', 'rp', 'rt', 'ruby', 's',
  'samp', 'section', 'small', 'span', 'strike', 'strong', 'sub', 'summary', 'sup', 'table', 'tbody', 'td',
  'tfoot', 'th', 'thead', 'time', 'tr', 'tt', 'u', 'ul', 'var', 'wbr', 'menu', 'output', 'progress', 'meter',
  'datalist', 'optgroup', 'nobr', 'acronym', 'basefont', 'dir', 'listing', 'spacer', 'multicol', 'hgroup', 'search',
  // SVG shapes and structure
  'g', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'path', 'text', 'tspan', 'textpath', 'defs',
  'symbol', 'pattern', 'filter', 'clippath', 'lineargradient', 'radialgradient', 'stop', 'marker', 'mask',
  'switch', 'desc', 'view', 'fegaussianblur', 'feoffset', 'feflood', 'feturbulence',
]);

/** XML namespaces whose elements are active content whatever their local name. */
export const ACTIVE_PREFIXES = new Set(['svg', 'xsl', 'xml', 'html', 'xhtml', 'xss', 'vml', 'v', 'o', 't', 'mml', 'xlink', 'xforms', 'xmp', 'xbl', 'x']);

/** Attributes whose value is fetched or navigated to: a script URL there executes. */
export const URL_ATTRIBUTES = new Set([
  'href', 'src', 'action', 'formaction', 'data', 'code', 'codebase', 'background', 'lowsrc', 'dynsrc', 'poster',
  'xlink:href', 'srcset', 'content', 'value', 'from', 'to', 'values', 'by', 'ping', 'cite', 'longdesc',
  'profile', 'usemap', 'classid', 'archive', 'manifest', 'icon', 'folder', 'datasrc', 'xmlns', 'location',
]);

/** Attributes that are script or markup by themselves. */
export const SCRIPT_ATTRIBUTES = new Set(['srcdoc', 'style', 'fscommand', 'seeksegmenttime', 'attributename', 'dataformatas', 'datasrc', 'datafld', 'contenteditable', 'autofocus']);

/** A tag for a finding's detail: the lexicon's word, `svg:…` for a namespaced element, else "unknown tag". */
export function tagLabel(name: string): string {
  if (ACTIVE_TAGS.has(name) || PASSIVE_TAGS.has(name)) return name;
  const colon = name.indexOf(':');
  return colon > 0 && ACTIVE_PREFIXES.has(name.slice(0, colon)) ? `${name.slice(0, colon)}:…` : 'unknown tag';
}

/** An attribute for a finding's detail: the lexicon's word (a handler only if it is a known event), else "unknown attribute". */
export function attributeLabel(attr: string): string {
  if (URL_ATTRIBUTES.has(attr) || SCRIPT_ATTRIBUTES.has(attr) || attr === 'style') return attr;
  return attr.startsWith('on') && EVENT_NAMES.has(attr.slice(2)) ? attr : 'unknown attribute';
}

/** URL schemes that execute or render attacker content. */
export const SCRIPT_SCHEMES = ['javascript:', 'vbscript:', 'livescript:', 'mocha:', 'jscript:', 'ecmascript:'];

/** DOM event handler names (a subset broad enough for every element family), without the `on` prefix. */
export const EVENT_NAMES = new Set([
  'abort', 'activate', 'afterprint', 'afterscriptexecute', 'afterupdate', 'animationcancel', 'animationend',
  'animationiteration', 'animationstart', 'auxclick', 'beforeactivate', 'beforecopy', 'beforecut',
  'beforedeactivate', 'beforeeditfocus', 'beforeinput', 'beforepaste', 'beforeprint', 'beforescriptexecute',
  'beforetoggle', 'beforeunload', 'beforeupdate', 'begin', 'blur', 'bounce', 'cancel', 'canplay',
  'canplaythrough', 'cellchange', 'change', 'click', 'close', 'contextmenu', 'controlselect', 'copy',
  'cuechange', 'cut', 'dataavailable', 'datasetchanged', 'datasetcomplete', 'dblclick', 'deactivate', 'drag',
  'dragdrop', 'dragend', 'dragenter', 'dragexit', 'dragleave', 'dragover', 'dragstart', 'drop',
  'durationchange', 'emptied', 'end', 'ended', 'error', 'errorupdate', 'filterchange', 'finish', 'focus',
  'focusin', 'focusout', 'formdata', 'fullscreenchange', 'hashchange', 'help', 'input', 'invalid', 'keydown',
  'keypress', 'keyup', 'layoutcomplete', 'load', 'loadeddata', 'loadedmetadata', 'loadend', 'loadstart',
  'losecapture', 'message', 'mousedown', 'mouseenter', 'mouseleave', 'mousemove', 'mouseout', 'mouseover',
  'mouseup', 'mousewheel', 'move', 'moveend', 'movestart', 'offline', 'online', 'outofsync', 'pagehide',
  'pageshow', 'paste', 'pause', 'play', 'playing', 'pointercancel', 'pointerdown', 'pointerenter',
  'pointerleave', 'pointermove', 'pointerout', 'pointerover', 'pointerrawupdate', 'pointerup', 'popstate',
  'progress', 'propertychange', 'ratechange', 'readystatechange', 'redo', 'repeat', 'reset', 'resize',
  'resizeend', 'resizestart', 'resume', 'reverse', 'rowdelete', 'rowenter', 'rowexit', 'rowinserted',
  'rowsdelete', 'rowsinserted', 'scroll', 'scrollend', 'search', 'seek', 'seeked', 'seeking', 'select',
  'selectionchange', 'selectstart', 'show', 'stalled', 'start', 'stop', 'storage', 'submit', 'suspend',
  'synchrestored', 'timeerror', 'timeupdate', 'toggle', 'touchcancel', 'touchend', 'touchmove', 'touchstart',
  'trackchange', 'transitioncancel', 'transitionend', 'transitionrun', 'transitionstart', 'undo', 'unload',
  'urlflip', 'volumechange', 'waiting', 'webkitanimationend', 'webkitanimationiteration',
  'webkitanimationstart', 'webkittransitionend', 'wheel', 'zoom',
]);

/** Script functions and sinks that turn strings into code, popups or navigation. */
export const JS_SINKS = new Set([
  'alert', 'prompt', 'confirm', 'eval', 'settimeout', 'setinterval', 'function', 'fromcharcode', 'atob',
  'execscript', 'msgbox', 'import', 'write', 'writeln', 'constructor', 'open', 'showmodaldialog', 'print',
  'fetch', 'xmlhttprequest', 'postmessage', 'globaleval', 'unescape', 'decodeuricomponent', 'escape',
]);

/** Property paths attackers read or write once running: document.cookie, location.hash … */
export const DOM_PROPERTIES = ['document.cookie', 'document.domain', 'document.write', 'document.location',
  'window.location', 'location.hash', 'location.href', 'location.search', '.innerhtml', '.outerhtml',
  'document.body', 'window.name', 'top.location', 'parent.location', 'opener.location', 'self.location',
  'localstorage', 'sessionstorage', 'document.forms'];
