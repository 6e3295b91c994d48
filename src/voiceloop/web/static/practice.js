// Practise page: ask a question (spoken by the server's offline voice), record the answer
// from the microphone and stream it to the server as 16-bit PCM every quarter second, show
// a timer, a level meter and the words transcribed so far; Stop asks for the verdict.
'use strict';

(function () {
  const $ = vl.$;
  const CHUNK_MS = 250;
  let question = null;  // the prompt being answered
  let round = [];  // the mock round's questions still to come
  let roundSize = 0;
  let roundId = null;  // the mock round under way, if any
  let followUp = null;  // for a follow-up: {of: the question's id, reason}
  let rec = null;  // the recording under way

  const status = (text) => { $('status').textContent = text; };

  function showBoxes() {
    const mode = $('mode').value;
    $('lp-box').hidden = !(mode === 'lp' || mode === 'round');
    $('kind-box').hidden = mode !== 'kind';
    $('id-box').hidden = mode !== 'id';
  }

  function setQuestion(q, note, follow) {
    question = q;
    followUp = follow || null;
    const [low, high] = q.target_seconds;
    const tags = [q.id, q.kind];
    if (q.principles.length) tags.push(q.principles.join(', '));
    tags.push('aim for ' + vl.clock(low) + '-' + vl.clock(high));
    if (note) tags.unshift(note);
    $('question-tags').textContent = tags.join('; ');
    $('question-text').textContent = q.text;
    $('question-card').hidden = false;
    $('words').textContent = '';
    $('timer').textContent = '0:00';
    $('record').disabled = false;
    status('Press Record and answer out loud; Stop when you are done.');
    const voice = $('question-voice');
    voice.onerror = () => status('(The question is not read aloud: no offline voice on the server.)');
    voice.src = '/api/speech/' + encodeURIComponent(q.id);
    voice.play().catch(() => {});
  }

  async function ask() {
    const mode = $('mode').value;
    $('verdict').hidden = true;
    try {
      if (mode === 'round') {
        const plan = await vl.post('/api/round', { count: 3, lp: $('lp').value || null });
        round = plan.questions;
        roundSize = round.length;
        roundId = plan.round_id;
        setQuestion(round.shift(), 'question 1 of ' + roundSize);
        return;
      }
      round = [];
      roundId = null;
      const body = {};
      if (mode === 'lp') body.lp = $('lp').value || null;
      if (mode === 'kind') body.kind = $('kind').value || null;
      if (mode === 'id') {
        if (!$('prompt-id').value) { alert('Choose a question first.'); return; }
        body.prompt_id = $('prompt-id').value;
      }
      setQuestion(await vl.post('/api/question', body));
    } catch (err) {
      alert(err.message);
    }
  }

  function toPcm(parts, frames) {
    const pcm = new Int16Array(frames);
    let at = 0;
    for (const part of parts) {
      for (let i = 0; i < part.length; i++) {
        const s = Math.max(-1, Math.min(1, part[i]));
        pcm[at++] = s < 0 ? s * 32768 : s * 32767;
      }
    }
    return pcm;
  }

  // Send what was captured since the last chunk; one request at a time, in order. With
  // nothing captured, an empty chunk each second still tells the server the page is there
  // (a take that hears nothing for a while is left for recovery: a closed tab).
  async function flush() {
    if (!rec || rec.sending || rec.gone) return;
    if (!rec.unsent && rec.pending === 0 && performance.now() - rec.lastSent < 1000) return;
    rec.sending = true;
    if (!rec.unsent) {
      rec.unsent = { pcm: toPcm(rec.parts, rec.pending), frames: rec.pending };
      rec.parts = [];
      rec.pending = 0;
    }
    const chunk = rec.unsent;
    try {
      const response = await fetch(
        '/api/takes/' + rec.takeId + '/audio?seq=' + rec.seq + '&known=' + rec.known,
        { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: chunk.pcm.buffer });
      const data = await response.json();
      if (response.status === 404) {
        rec.gone = true;
        status('The server stopped taking this answer (' + data.error + '); it is kept for recovery.');
        return;
      }
      if (!response.ok) throw new Error(data.error);
      rec.unsent = null;  // written: the next chunk may go
      rec.lastSent = performance.now();
      rec.seq += 1;
      rec.sent += chunk.frames;
      if (data.words.length) {
        rec.known += data.words.length;
        $('words').textContent += ($('words').textContent ? ' ' : '') + data.words.join(' ');
      }
    } catch (err) {
      status('Connection trouble (' + err.message + '); retrying...');  // rec.unsent is sent again
    } finally {
      rec.sending = false;
    }
  }

  async function record() {
    if (!question) return;
    $('record').disabled = true;
    $('verdict').hidden = true;
    $('words').textContent = '';
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
    } catch (err) {
      status('Cannot use the microphone: ' + err.message);
      $('record').disabled = false;
      return;
    }
    const ctx = new AudioContext();
    await ctx.audioWorklet.addModule('/static/capture-worklet.js');
    let take;
    try {
      const body = { prompt_id: question.id, rate: ctx.sampleRate };
      if (roundId) {
        body.round_id = roundId;
        if (followUp) { body.follow_up_of = followUp.of; body.follow_up_reason = followUp.reason; }
      }
      take = await vl.post('/api/takes', body);
    } catch (err) {
      status('Cannot start recording: ' + err.message);
      stream.getTracks().forEach((t) => t.stop());
      ctx.close();
      $('record').disabled = false;
      return;
    }
    const source = ctx.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(ctx, 'capture');
    const mute = ctx.createGain();
    mute.gain.value = 0;
    source.connect(node).connect(mute).connect(ctx.destination);
    rec = {
      takeId: take.take_id, rate: ctx.sampleRate, stream, ctx, node,
      parts: [], pending: 0, captured: 0, sent: 0, seq: 0, known: 0, level: 0,
      sending: false, unsent: null, gone: false, lastSent: performance.now(),
    };
    node.port.onmessage = (event) => {
      const block = event.data;
      rec.parts.push(block);
      rec.pending += block.length;
      rec.captured += block.length;
      let peak = 0;
      for (let i = 0; i < block.length; i++) peak = Math.max(peak, Math.abs(block[i]));
      rec.level = Math.max(peak, rec.level * 0.85);
    };
    rec.flusher = setInterval(flush, CHUNK_MS);
    rec.ticker = setInterval(() => {
      $('timer').textContent = vl.clock(rec.captured / rec.rate, true);
      $('level').style.width = Math.min(100, Math.round(Math.sqrt(rec.level) * 100)) + '%';
    }, 100);
    $('stop').disabled = false;
    status('Recording: answer now. The words appear as they are transcribed.');
  }

  async function stop() {
    if (!rec) return;
    const current = rec;
    $('stop').disabled = true;
    current.node.port.onmessage = null;
    current.stream.getTracks().forEach((t) => t.stop());
    current.ctx.close();
    clearInterval(current.flusher);
    clearInterval(current.ticker);
    $('level').style.width = '0';
    status('Saving the last of the answer...');
    const giveUp = performance.now() + 15000;
    while (current.sending || ((current.pending || current.unsent) && !current.gone)) {
      if (performance.now() > giveUp) {
        status('The server cannot be reached; what it received is kept for recovery.');
        rec = null;
        $('record').disabled = false;
        return;
      }
      if (!current.sending) flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    status('Transcribing the last seconds and analyzing...');
    const started = performance.now();
    let verdict;
    try {
      verdict = await vl.post('/api/takes/' + current.takeId + '/stop');
    } catch (err) {
      status('Not analyzed: ' + err.message);
      $('record').disabled = false;
      rec = null;
      return;
    }
    const card = $('verdict');
    vl.showVerdict(card, verdict);
    card.dataset.stopMs = String(Math.round(performance.now() - started));
    status('Done in ' + (card.dataset.stopMs / 1000).toFixed(1) + ' s after Stop.');
    rec = null;
    $('record').disabled = false;
    if (verdict.follow_up) {
      const fu = verdict.follow_up;
      const button = vl.el('button', 'Answer the follow-up');
      button.type = 'button';
      const parent = question.id;
      button.addEventListener('click', () => setQuestion(fu.prompt, 'follow-up', { of: parent, reason: fu.reason }));
      card.append(vl.el('p', 'Follow-up, because: ' + fu.reason + '.', 'meta'), button);
    }
    if (roundId && !round.length) {
      const finish = vl.el('button', 'Finish the round');
      finish.type = 'button';
      finish.id = 'finish-round';
      finish.addEventListener('click', async () => {
        finish.disabled = true;
        try {
          const summary = await vl.post('/api/rounds/' + roundId + '/finish');
          roundId = null;
          card.append(vl.el('h2', 'Round report'), vl.el('pre', summary.text, 'round'));
        } catch (err) {
          finish.disabled = false;
          card.append(vl.el('p', 'No round report: ' + err.message, 'bad'));
        }
      });
      card.append(' ', finish);
    }
    if (round.length) {
      const next = vl.el('button', 'Next question');
      next.type = 'button';
      next.addEventListener('click', () => {
        const done = roundSize - round.length;
        setQuestion(round.shift(), 'question ' + (done + 1) + ' of ' + roundSize);
      });
      card.append(' ', next);
    }
  }

  async function offerLeftovers() {
    let found;
    try { found = await vl.call('/api/takes'); } catch (err) { return; }
    const box = $('leftover');
    if (!found.takes.length) { box.hidden = true; return; }
    box.replaceChildren();
    const n = found.takes.length;
    box.append(vl.el('p', n + (n === 1 ? ' answer was' : ' answers were')
      + ' left unfinished (a closed tab, a lost connection or a crash):'));
    const list = vl.el('ul');
    for (const t of found.takes) {
      list.append(vl.el('li', vl.clock(t.seconds) + ' recorded ' + t.started_at.slice(0, 16).replace('T', ' ')
        + (t.prompt_id ? ', question ' + t.prompt_id : '')));
    }
    const button = vl.el('button', 'Recover');
    button.id = 'recover';
    button.type = 'button';
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = 'Recovering...';
      try {
        const done = await vl.post('/api/takes/recover');
        box.replaceChildren(vl.el('p', 'Recovered:'));
        const results = vl.el('ul');
        for (const r of done.recovered) {
          const li = vl.el('li', r.message + ' ');
          if (r.session_id) {
            const a = vl.el('a', 'open');
            a.href = '/sessions/' + encodeURIComponent(r.session_id);
            a.className = 'recovered';
            li.append(a);
          }
          results.append(li);
        }
        box.append(results);
      } catch (err) {
        button.disabled = false;
        button.textContent = 'Recover';
        box.append(vl.el('p', 'Not recovered: ' + err.message, 'bad'));
      }
    });
    box.append(list, button);
    box.hidden = false;
  }

  // For tests and benchmarks: how much was captured and how much reached the server.
  window.voiceloopRecording = () => (rec ? { captured: rec.captured / rec.rate, sent: rec.sent / rec.rate, takeId: rec.takeId } : null);

  $('mode').addEventListener('change', showBoxes);
  $('ask').addEventListener('click', ask);
  $('record').addEventListener('click', record);
  $('stop').addEventListener('click', stop);
  showBoxes();
  offerLeftovers();
})();
