// The source listing: a click on a line that has machine code opens or closes its
// instructions (shown right under it).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var line = e.target.closest && e.target.closest(".source .line.has-asm");
    if (!line) return;
    var asm = line.nextElementSibling;
    if (asm && asm.classList.contains("asm")) {
      asm.classList.toggle("open");
      line.classList.toggle("expanded");
    }
  });
})();
