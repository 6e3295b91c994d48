// What the pages share: JSON calls to the server, m:ss, and the verdict card.
'use strict';

const vl = {
  $(id) { return document.getElementById(id); },

  async call(path, options) {
    const response = await fetch(path, options);
    let data;
    try { data = await response.json(); } catch (e) { data = { error: response.statusText }; }
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  },

  post(path, body) {
    return vl.call(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body || {}),
    });
  },

  // The one m:ss format, as voiceloop.clock.clock writes it.
  clock(seconds, running) {
    const whole = Math.max(0, running ? Math.floor(seconds) : Math.round(seconds));
    return Math.floor(whole / 60) + ':' + String(whole % 60).padStart(2, '0');
  },

  el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;  // text only: nothing is parsed as HTML
    if (cls) node.className = cls;
    return node;
  },

  // Fill ``card`` with what the server said about an analyzed (or unanalyzed) answer.
  showVerdict(card, v) {
    card.replaceChildren();
    card.hidden = false;
    if (v.status !== 'analyzed') {
      card.append(vl.el('h2', 'Not analyzed'), vl.el('p', v.message || v.status));
      if (v.session_id) {
        const a = vl.el('a', 'Open the saved session');
        a.href = '/sessions/' + encodeURIComponent(v.session_id);
        card.append(a);
      }
      return;
    }
    const f = v.figures;
    card.append(vl.el('h2', 'Verdict'), vl.el('p', v.headline, 'headline'));
    const figs = vl.el('div', undefined, 'figs');
    const fig = (value, label) => {
      const span = vl.el('span');
      span.append(vl.el('b', value), document.createTextNode(' ' + label));
      figs.append(span);
    };
    fig(f.duration, 'long (' + f.duration_verdict + ')');
    fig(String(Math.round(f.wpm)), 'words per minute (' + f.pace_verdict + ')');
    fig(String(f.words), 'words');
    fig(f.fillers_per_min.toFixed(1), 'fillers per minute');
    figs.id = 'verdict-figures';
    figs.dataset.words = f.words;
    figs.dataset.wpm = f.wpm;
    figs.dataset.durationS = f.duration_s;
    card.append(figs);
    if (v.tips.length) {
      card.append(vl.el('p', v.tips.length === 3 ? 'Three things to fix next:' : 'To fix next:'));
      const list = vl.el('ol');
      for (const tip of v.tips) {
        const li = vl.el('li');
        li.append(vl.el('b', tip.title), document.createTextNode(' (' + tip.figure + '). ' + tip.detail));
        list.append(li);
      }
      card.append(list);
    }
    if (v.same_audio && v.same_audio.length) {
      card.append(vl.el('p', 'This recording was analyzed before: ' + v.same_audio.join(', '), 'meta'));
    }
    const link = vl.el('a', 'Open the full report');
    link.href = v.report;
    link.id = 'report-link';
    card.append(link);
  },
};
