(function(){var d=document;d.documentElement.className+=" js";var qs=d.querySelectorAll("[data-show-if]");if(!qs.length)return;
function val(id){var out=[];var els=d.getElementsByName(id);for(var i=0;i<els.length;i++){if(els[i].checked)out.push(els[i].value);}return out;}
function update(){for(var i=0;i<qs.length;i++){var q=qs[i],want=q.getAttribute("data-show-values").split(" "),have=val(q.getAttribute("data-show-if")),on=false;
for(var j=0;j<have.length;j++){if(want.indexOf(have[j])>=0)on=true;}
var hiddenParent=d.getElementById("q-"+q.getAttribute("data-show-if"));if(hiddenParent&&hiddenParent.hasAttribute("data-hidden"))on=false;
if(on){q.removeAttribute("data-hidden");}else{q.setAttribute("data-hidden","");}
var cond=q.querySelector(".cond");if(cond)cond.style.display="none";}}
d.addEventListener("change",update);update();})();
