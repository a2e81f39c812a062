import { CATEGORIES, LABELS } from '@complaints/shared';

const zh = LABELS.zh;

/**
 * The public complaint form (SPEC §2, channel `web_form`). Server-side validation is the API's;
 * the page shows each field's message next to the field and the complaint number on success.
 */
export function webFormPage(): string {
  const categories = CATEGORIES.map((c) => `<option value="${c}">${zh.category[c]}</option>`).join('');
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>客户抱怨受理</title>
<style>
  body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input, select, textarea { width: 100%; padding: .4rem; box-sizing: border-box; font: inherit; }
  .error { color: #b00020; font-size: .9rem; min-height: 1rem; }
  button { margin-top: 1.5rem; padding: .6rem 1.4rem; font: inherit; }
  #done { padding: 1rem; background: #e8f5e9; border: 1px solid #a5d6a7; }
</style>
</head>
<body>
<h1>客户抱怨受理</h1>
<form id="complaint" novalidate>
  <input type="hidden" name="kind" value="complaint">
  <label>姓名 <input name="customer.name" autocomplete="name"></label><div class="error" data-for="customer.name"></div>
  <label>电话 <input name="customer.phone" autocomplete="tel"></label><div class="error" data-for="customer.phone"></div>
  <label>邮箱（可选） <input name="customer.email" type="email"></label><div class="error" data-for="customer.email"></div>
  <label>车牌号（可选） <input name="vehicle.plate"></label><div class="error" data-for="vehicle.plate"></div>
  <label>VIN（可选，17位） <input name="vehicle.vin" maxlength="17"></label><div class="error" data-for="vehicle.vin"></div>
  <label>服务商代码（可选） <input name="dealerCode"></label><div class="error" data-for="dealerCode"></div>
  <label>抱怨分类 <select name="category">${categories}</select></label><div class="error" data-for="category"></div>
  <label>问题描述 <textarea name="description" rows="5"></textarea></label><div class="error" data-for="description"></div>
  <label>您的诉求 <textarea name="request" rows="3"></textarea></label><div class="error" data-for="request"></div>
  <button type="submit">提交</button>
</form>
<div id="done" hidden></div>
<script>
const form = document.getElementById('complaint');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = {};
  for (const [name, value] of new FormData(form)) {
    if (value === '') continue;
    const path = name.split('.');
    let target = body;
    while (path.length > 1) { const key = path.shift(); target = target[key] = target[key] || {}; }
    target[path[0]] = value;
  }
  body.channel = 'web_form';
  form.querySelectorAll('.error').forEach((e) => (e.textContent = ''));
  const res = await fetch('/api/complaints', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json();
  if (res.status === 201) {
    form.hidden = true;
    const done = document.getElementById('done');
    done.hidden = false;
    done.textContent = '已受理，您的抱怨编号：' + answer.number + '。我们将尽快与您联系。';
    return;
  }
  for (const detail of answer.details || []) {
    const slot = form.querySelector('[data-for="' + detail.path + '"]');
    if (slot) slot.textContent = detail.message;
  }
});
</script>
</body>
</html>`;
}
