fetch("api/scenarios", {credentials: "same-origin"}).then(r => r.json()).then(list => {
  document.getElementById("app").textContent = list.map(s => s.name).join(", ");
});
