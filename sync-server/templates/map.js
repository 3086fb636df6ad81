// Draws a dashboard map with the vendored Leaflet: doors as symbols
// coloured by status (the symbol says it without colour), turf outlines,
// a popup per door, street tiles when configured and reachable. Served as
// a file (no inline script under the CSP); data from map.json.
document.addEventListener('DOMContentLoaded', async () => {
  const el = document.getElementById('leaflet-map');
  if (!el || typeof L === 'undefined') return;
  const r = await fetch(el.dataset.src);
  if (!r.ok) {
    el.textContent = 'The map could not be loaded (' + r.status + ').';
    return;
  }
  const data = await r.json();
  const map = L.map(el, { preferCanvas: false });
  if (data.tiles) {
    L.tileLayer(data.tiles.url, { maxZoom: 19, attribution: data.tiles.attribution }).addTo(map);
  }
  const text = (s) => {
    const span = document.createElement('span');
    span.textContent = s;
    return span.innerHTML;
  };
  const bounds = [];
  for (const t of data.turfs) {
    if (t.outline.length >= 3) {
      L.polygon(t.outline, { className: 'turf-outline', weight: 2, fill: false })
        .bindTooltip('Turf ' + text(t.id) + ': ' + t.knocked + ' of ' + t.total + ' doors knocked')
        .addTo(map);
    }
  }
  for (const d of data.doors) {
    const icon = L.divIcon({
      className: 'door-icon ' + d.class,
      html: text(d.symbol),
      iconSize: [18, 18],
    });
    const people = d.people
      .map(([name, status]) => '<li>' + text(name) + ': ' + text(status) + '</li>')
      .join('');
    L.marker([d.lat, d.lon], { icon, title: d.address + ' — ' + d.label, keyboard: true })
      .bindPopup('<strong>' + text(d.address) + '</strong><br>Turf ' + text(d.turf) +
        ' · ' + text(d.label) + '<ul>' + people + '</ul>')
      .addTo(map);
    bounds.push([d.lat, d.lon]);
  }
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [20, 20] });
  } else {
    map.setView([39.8, -98.6], 4);
  }
  el.dataset.ready = String(data.doors.length);
});
