// Stripe.js on the portal's pages: collect a card (SetupIntent) or run the bank's 3-D Secure
// check of a payment (PaymentIntent). Card numbers go from this page to Stripe, never to us.
(function () {
  "use strict";

  // Stripe's texts (card fields, their errors, the 3-D Secure window) in the page's language,
  // which the person chose, rather than the browser's.
  const locale = document.documentElement.lang || "auto";

  function setUpCardForm(form) {
    const stripe = Stripe(form.dataset.publishableKey, { locale: locale });
    const card = stripe.elements({ locale: locale }).create("card");
    card.mount(form.querySelector("[data-card-element]"));
    const errors = form.querySelector("[data-card-errors]");
    const button = form.querySelector("button[type=submit]");
    button.disabled = false;
    form.addEventListener("submit", async function (event) {
      if (form.dataset.confirmed === "yes") return;
      event.preventDefault();
      button.disabled = true;
      errors.textContent = "";
      const holder = form.querySelector("[name=holder]").value;
      const result = await stripe.confirmCardSetup(form.dataset.clientSecret, {
        payment_method: { card: card, billing_details: { name: holder } },
      });
      if (result.error) {
        errors.textContent = (result.error && result.error.message) || form.dataset.failed;
        button.disabled = false;
        return;
      }
      form.querySelector("[name=setup_intent]").value = result.setupIntent.id;
      form.dataset.confirmed = "yes";
      form.submit();
    });
  }

  async function authenticate(page) {
    const stripe = Stripe(page.dataset.publishableKey, { locale: locale });
    await stripe.confirmCardPayment(page.dataset.clientSecret);
    window.location.assign(page.dataset.back);
  }

  document.querySelectorAll("form[data-stripe-card-setup]").forEach(setUpCardForm);
  document.querySelectorAll("[data-stripe-authenticate]").forEach(authenticate);
})();
