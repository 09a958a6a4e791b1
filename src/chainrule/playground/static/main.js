// The page's entry point: tabs, then the views (the digits model loads when its tab opens).
import { get } from "./api.js";
import { setupCircuit } from "./circuit.js";
import { openDigits } from "./digits.js";
import { setupNetwork } from "./network.js";

document.querySelectorAll("nav .tab").forEach((tab) => tab.addEventListener("click", () => {
  document.querySelectorAll("nav .tab").forEach((t) => t.classList.toggle("active", t === tab));
  document.querySelectorAll(".view").forEach((v) => (v.hidden = v.id !== `view-${tab.dataset.view}`));
  if (tab.dataset.view === "digits") openDigits();
}));

const info = await get("/api/info");
setupNetwork(info);
setupCircuit(info);
