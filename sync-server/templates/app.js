// The dashboard's only script: the print button, and the overview's live
// totals every 15 s. Served as a file (no inline script under the CSP).
document.addEventListener('DOMContentLoaded', () => {
  const print = document.getElementById('print');
  if (print) {
    print.addEventListener('click', () => window.print());
  }
  if (document.getElementById('totals')) {
    setInterval(async () => {
      const r = await fetch('/dashboard/overview.json');
      if (r.ok) {
        const o = await r.json();
        document.getElementById('doors').textContent = o.doors_knocked;
        document.getElementById('contacts').textContent = o.contacts;
      }
    }, 15000);
  }
});
