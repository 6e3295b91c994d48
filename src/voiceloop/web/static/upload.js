// Upload page: the file goes to the server as the request body, unchanged.
'use strict';

(function () {
  const status = vl.$('status');
  vl.$('send').addEventListener('click', async () => {
    const file = vl.$('file').files[0];
    if (!file) { status.textContent = 'Choose a file first.'; return; }
    const query = new URLSearchParams({ name: file.name });
    const prompt = vl.$('prompt-id').value;
    if (prompt) query.set('prompt', prompt);
    vl.$('send').disabled = true;
    status.textContent = 'Transcribing and analyzing ' + file.name + '...';
    try {
      const verdict = await vl.call('/api/upload?' + query, { method: 'POST', body: file });
      status.textContent = '';
      vl.showVerdict(vl.$('verdict'), verdict);
    } catch (err) {
      status.textContent = 'Not analyzed: ' + err.message;
    } finally {
      vl.$('send').disabled = false;
    }
  });
})();
