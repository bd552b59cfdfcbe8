// Starts Swagger UI on /openapi.json. A file of its own rather than an inline
// script, so the page needs no 'unsafe-inline' in script-src.
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  // The default validator badge loads an image from validator.swagger.io.
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
