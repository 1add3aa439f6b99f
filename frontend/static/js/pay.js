/* The pay page (payments/pay.html): Stripe.js, loaded before this file.
   Everything it needs is in the form's data- attributes (no inline script:
   the Content-Security-Policy refuses it).

   data-mode="element": real Stripe. The Payment Element (dynamic payment
   methods: cards, Kakao Pay, Naver Pay where the account offers them)
   confirms the PaymentIntent and Stripe comes back to data-return-url.

   data-mode="card": localstripe. Its Card Element makes a token, our server
   saves the card and confirms (data-card-url, JSON); a card that asks for
   3-D Secure is confirmed with confirmCardPayment, then our server checks
   (data-check-url); then to data-return-url, which says how it went. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-pay]");
  if (!form) return;
  var data = form.dataset;
  var errorBox = document.getElementById("pay-error");
  var button = document.getElementById("pay-button");
  var buttonText = button.textContent;

  function showError(message) {
    errorBox.textContent = message || data.messageFailed;
    errorBox.hidden = false;
  }

  function busy(on) {
    button.disabled = on;
    button.textContent = on ? data.messageWorking : buttonText;
    if (on) errorBox.hidden = true;
  }

  if (typeof window.Stripe !== "function") {
    showError(data.messageUnavailable);
    button.disabled = true;
    return;
  }
  // Stripe.js speaks the page's language (its own messages, e.g. a declined card).
  var stripe = window.Stripe(data.publishableKey,
                             {locale: document.documentElement.lang || "auto"});

  function post(url, fields) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    Object.keys(fields || {}).forEach(function (name) { body.append(name, fields[name]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"Accept": "application/json", "X-Requested-With": "fetch"},
    }).then(function (response) {
      return response.json().catch(function () { return {message: data.messageFailed}; });
    });
  }

  function done(answer) {
    if (answer.status === "succeeded" || answer.status === "authorized") {
      window.location.assign(data.returnUrl);
      return;
    }
    showError(answer.message);
    busy(false);
  }

  function confirmAction(answer) {
    if (!answer.requires_action) return Promise.resolve(answer);
    return stripe.confirmCardPayment(answer.client_secret).then(function () {
      // Whatever the card said, our server asks Stripe how it stands.
      return post(data.checkUrl);
    });
  }

  if (data.mode === "card") {
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      busy(true);
      stripe.createToken(card).then(function (result) {
        if (result.error || !result.token) {
          showError(result.error && result.error.message);
          busy(false);
          return null;
        }
        return post(data.cardUrl, {token: result.token.id}).then(confirmAction).then(done);
      }).catch(function () {
        showError(data.messageFailed);
        busy(false);
      });
    });
    return;
  }

  var elements = stripe.elements({clientSecret: data.clientSecret});
  elements.create("payment").mount("#payment-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    busy(true);
    stripe.confirmPayment({elements: elements, confirmParams: {return_url: data.returnUrl}})
      .then(function (result) {
        // Only an error comes back here; success leaves for return_url.
        if (result && result.error) {
          showError(result.error.message);
          busy(false);
        }
      }).catch(function () {
        showError(data.messageFailed);
        busy(false);
      });
  });
})();
