// Starts Swagger UI on the page's #swagger-ui element. This file is part of
// the service, not of Swagger UI: the page has no inline script, so that its
// Content-Security-Policy can forbid them all, and passes the schema's URL and
// the OAuth2 redirect page's URL in data attributes instead.
"use strict";

(function startSwaggerUI() {
  const element = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    domNode: element,
    url: element.dataset.openapiUrl,
    // Swagger UI wants it absolute: the OAuth2 server redirects the browser there.
    oauth2RedirectUrl: new URL(element.dataset.oauth2RedirectUrl, window.location.href).href,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // No badge from the public validator service: the page talks to this origin only.
    validatorUrl: null,
  });
})();
