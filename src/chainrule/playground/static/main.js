// The page's entry point: tabs, then the two views.
import { get } from "./api.js";
import { setupCircuit } from "./circuit.js";
import { setupNetwork } from "./network.js";

document.querySelectorAll("nav .tab").forEach((tab) => tab.addEventListener("click", () => {
  document.querySelectorAll("nav .tab").forEach((t) => t.classList.toggle("active", t === tab));
  document.querySelectorAll(".view").forEach((v) => (v.hidden = v.id !== `view-${tab.dataset.view}`));
}));

const info = await get("/api/info");
setupNetwork(info);
setupCircuit(info);
