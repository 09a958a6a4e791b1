// Talking to the server: JSON in, JSON out; a refused request shows its message.
const messageBox = () => document.getElementById("message");

export function showError(text) {
  const box = messageBox();
  box.textContent = text;
  box.hidden = false;
}

export function clearError() {
  messageBox().hidden = true;
}

// The reply's JSON, or null when the server refused the request (its message is then shown).
export async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const reply = await response.json();
  if (!response.ok) {
    showError(reply.error || `request failed: ${response.status}`);
    return null;
  }
  clearError();
  return reply;
}

// The reply's JSON, or null when the server refused (its message is then shown).
export async function get(path) {
  const response = await fetch(path);
  const reply = await response.json();
  if (!response.ok) {
    showError(reply.error || `request failed: ${response.status}`);
    return null;
  }
  return reply;
}
